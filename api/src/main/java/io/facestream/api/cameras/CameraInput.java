package io.facestream.api.cameras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.facestream.api.ApiException;
import io.facestream.api.ApiJson;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.camera.CameraUrls;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Seed 002's camera create / update body, checked field by field and applied to a {@link Camera}. Every field is
 * optional on update (absent: unchanged); {@code name} and {@code rtsp_url} are required on create. A value of
 * the wrong type or out of its range is a 422 naming the field and its range, never quoting the URL.
 */
public final class CameraInput {
    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_NAME = 200;
    static final int MAX_URL = 2048;
    static final int MAX_TRIGGER_CLASSES = 200;
    static final Set<String> SCHEMES = Set.of("rtsp", "rtsps", "http", "https");
    /** A caller-chosen id: the same alphabet as other ids of the product, and never a sub-path of /api/cameras; also the rule for a camera id other routes take. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final ObjectNode body;

    private CameraInput(ObjectNode body) {
        this.body = body;
    }

    static CameraInput parse(byte[] bytes) {
        if (bytes.length > MAX_BODY_BYTES) {
            throw ApiException.validation("body: larger than " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode node;
        try {
            node = bytes.length == 0 ? null : ApiJson.mapper().readTree(bytes);
        } catch (IOException e) {
            throw ApiException.validation("body: not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw ApiException.validation("body: a JSON object of camera fields is required");
        }
        return new CameraInput((ObjectNode) node);
    }

    /** The id a create asks for, or null to have one generated. */
    String requestedId() {
        String id = string("id", 64, false);
        if (id != null && (!ID.matcher(id).matches() || id.equals("detect"))) {
            throw ApiException.validation("id: 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        return id;
    }

    /**
     * Applies the given fields to {@code camera}. On create ({@code creating}) name and rtsp_url must be there;
     * on update a blank rtsp_url, or one carrying the mask, keeps the stored URL.
     */
    void applyTo(Camera.Builder camera, boolean creating) {
        if (creating) {
            require("name");
            require("rtsp_url");
        }
        String name = string("name", MAX_NAME, false);
        if (name != null) {
            if (name.isBlank()) throw ApiException.validation("name: must not be blank");
            camera.setName(name.strip());
        }
        if (has("rtsp_url")) {
            String url = body.get("rtsp_url").isNull() ? null : string("rtsp_url", MAX_URL, false);
            if (!CameraUrls.isEcho(url)) {
                camera.setUrl(checkedUrl(url.strip()));
            } else if (creating) {
                throw ApiException.validation("rtsp_url: a camera URL is required (rtsp://, rtsps://, http:// or https://)");
            }
        }
        if (has("location")) camera.setLocation(string("location", MAX_NAME, true));
        Boolean enabled = bool("enabled");
        if (enabled != null) camera.setEnabled(enabled);
        Double conf = number("detect_conf", 0, 1);
        if (conf != null) camera.setDetectionThreshold(conf.floatValue());
        Integer pre = integer("pre_seconds", 0, 120);
        if (pre != null) camera.setPreSeconds(pre);
        Integer post = integer("post_seconds", 0, 300);
        if (post != null) camera.setPostSeconds(post);
        String classes = string("trigger_classes", MAX_TRIGGER_CLASSES, false);
        if (classes != null) camera.setTriggerClasses(triggerClasses(classes));
        Double iou = number("detect_iou", 0, 1);
        if (iou != null) camera.setDetectIou(iou.floatValue());
        Integer imgsz = integer("detect_imgsz", 128, 1920);
        if (imgsz != null) camera.setDetectImgsz(imgsz);
        Double interval = number("detect_interval", 0, 60);
        if (interval != null) camera.setSampleFps(CameraView.sampleFps(interval));
        Double cooldown = number("trigger_cooldown", 0, 3600);
        if (cooldown != null) camera.setTriggerCooldown(cooldown);
        Integer minFrames = integer("min_trigger_frames", 1, 100);
        if (minFrames != null) camera.setMinTriggerFrames(minFrames);
        String transport = string("rtsp_transport", 8, false);
        if (transport != null) {
            if (!transport.equals("tcp") && !transport.equals("udp")) {
                throw ApiException.validation("rtsp_transport: must be tcp or udp");
            }
            camera.setRtspTransport(transport);
        }
        Boolean faces = bool("faces_enabled");
        if (faces != null) camera.setFacesEnabled(faces);
        Boolean reid = bool("reid_enabled");
        if (reid != null) camera.setReidEnabled(reid);
        Double liveFps = number("live_view_fps", 0.1, 30);
        if (liveFps != null) camera.setLiveViewFps(liveFps);
        Integer minFace = integer("min_face_size", 8, 1024);
        if (minFace != null) camera.setMinFaceSize(minFace);
        Boolean unknown = bool("unknown_face_alerts");
        if (unknown != null) camera.setUnknownFaceAlerts(unknown);
    }

    /** A URL the product can open: rtsp, rtsps, http or https, with a host. The message never quotes it. */
    static String checkedUrl(String url) {
        if (url.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw ApiException.validation("rtsp_url: must not contain spaces or control characters");
        }
        int colon = url.indexOf("://");
        String scheme = colon > 0 ? url.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        if (!SCHEMES.contains(scheme)) {
            throw ApiException.validation("rtsp_url: unsupported scheme" + (scheme.matches("[a-z][a-z0-9+.-]{0,15}") ? " '" + scheme + "'" : "")
                    + "; use rtsp://, rtsps://, http:// or https://");
        }
        // a password may hold characters a URI parser refuses ('@', '#'): judge the host on the URL without its userinfo
        String rest = url.substring(colon + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String hostPart = authority.substring(authority.lastIndexOf('@') + 1);
        try {
            URI uri = new URI(scheme + "://" + hostPart + (slash < 0 ? "" : rest.substring(slash)));
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw ApiException.validation("rtsp_url: has no host");
            }
        } catch (URISyntaxException e) {
            throw ApiException.validation("rtsp_url: not a valid URL");
        }
        return url;
    }

    /** The classes, each one the detector can see, in the order given without repeats; empty means the default set. */
    static String triggerClasses(String csv) {
        Set<String> classes = new LinkedHashSet<>();
        for (String c : csv.split(",")) {
            String name = c.strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) continue;
            if (!CameraView.DETECTABLE.contains(name)) {
                throw ApiException.validation("trigger_classes: the detector cannot see '" + (name.length() > 32 ? name.substring(0, 32) + "..." : name)
                        + "'; it sees " + String.join(", ", CameraView.DETECTABLE));
            }
            classes.add(name);
        }
        return String.join(",", classes.isEmpty() ? CameraView.DEFAULT_TRIGGER : List.copyOf(classes));
    }

    private boolean has(String field) {
        return body.has(field);
    }

    private void require(String field) {
        if (!has(field) || body.get(field).isNull()) throw ApiException.validation(field + ": field required");
    }

    private JsonNode present(String field, boolean nullable) {
        JsonNode node = body.get(field);
        if (node == null) return null;
        if (node.isNull()) {
            if (nullable) return node;
            throw ApiException.validation(field + ": must not be null");
        }
        return node;
    }

    private String string(String field, int maxLength, boolean nullable) {
        JsonNode node = present(field, nullable);
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) throw ApiException.validation(field + ": must be a string");
        String value = node.textValue();
        if (value.length() > maxLength) throw ApiException.validation(field + ": at most " + maxLength + " characters");
        return value;
    }

    private Boolean bool(String field) {
        JsonNode node = present(field, false);
        if (node == null) return null;
        if (!node.isBoolean()) throw ApiException.validation(field + ": must be true or false");
        return node.booleanValue();
    }

    private Double number(String field, double min, double max) {
        JsonNode node = present(field, false);
        if (node == null) return null;
        if (!node.isNumber()) throw ApiException.validation(field + ": must be a number between " + plain(min) + " and " + plain(max));
        double value = node.doubleValue();
        if (!(value >= min && value <= max)) {
            throw ApiException.validation(field + ": must be between " + plain(min) + " and " + plain(max));
        }
        return value;
    }

    private Integer integer(String field, int min, int max) {
        JsonNode node = present(field, false);
        if (node == null) return null;
        if (!node.isIntegralNumber() && !(node.isNumber() && node.doubleValue() == Math.rint(node.doubleValue()))) {
            throw ApiException.validation(field + ": must be an integer between " + min + " and " + max);
        }
        double value = node.doubleValue();
        if (!(value >= min && value <= max)) {
            throw ApiException.validation(field + ": must be an integer between " + min + " and " + max);
        }
        return (int) value;
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
