package io.facestream.models;

/** The configured device (a CUDA GPU) or engine cannot be used here; the message says what is missing. */
public class DeviceUnavailableException extends RuntimeException {
    public DeviceUnavailableException(String message) {
        super(message);
    }
}
