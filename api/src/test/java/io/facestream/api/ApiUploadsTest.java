package io.facestream.api;

import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.image;
import static io.facestream.api.ApiTestSupport.json;
import static io.facestream.api.ApiTestSupport.pngClaiming;
import static io.facestream.api.ApiTestSupport.postMultipart;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiTestSupport.Part;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The upload helper through real multipart and raw requests: limits, sniffing, bombs, truncation. */
class ApiUploadsTest {
    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())),
                List.of(ApiTestSupport.TEST_ROUTES));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> upload(String filename, String contentType, byte[] bytes) {
        return postMultipart(server, "/api/test/upload", List.of(Part.file("file", filename, contentType, bytes)),
                "X-API-Key", READ_KEY);
    }

    @Test
    void validJpegAndPngAreAcceptedWithTheirSize() {
        JsonNode jpeg = json(upload("a.jpg", "image/jpeg", image("jpg", 64, 48)));
        assertThat(jpeg.get("format").asText()).isEqualTo("JPEG");
        assertThat(jpeg.get("width").asInt()).isEqualTo(64);
        assertThat(jpeg.get("height").asInt()).isEqualTo(48);
        HttpResponse<String> png = upload("b.png", "image/png", image("png", 30, 20));
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(json(png).get("format").asText()).isEqualTo("PNG");
    }

    @Test
    void theBytesDecideTheTypeNotTheNameOrContentType() {
        HttpResponse<String> pngNamedJpeg = upload("photo.jpg", "image/jpeg", image("png", 10, 10));
        assertThat(pngNamedJpeg.statusCode()).isEqualTo(200);
        assertThat(json(pngNamedJpeg).get("format").asText()).isEqualTo("PNG");
    }

    @Test
    void nonImageBytesAre415() {
        HttpResponse<String> text = upload("photo.jpg", "image/jpeg", "just some text, honest".getBytes());
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(json(text).get("detail").asText()).isEqualTo("Invalid image format. Supported: JPEG, PNG");
        HttpResponse<String> gif = upload("anim.gif", "image/gif", image("gif", 8, 8));
        assertThat(gif.statusCode()).isEqualTo(415);
        assertThat(json(gif).get("detail").asText()).contains("GIF").contains("JPEG or PNG");
    }

    @Test
    void overNineMebibytesIs413() throws IOException {
        byte[] big = new byte[9 * 1024 * 1024];
        new Random(1).nextBytes(big);
        big[0] = (byte) 0xFF;
        big[1] = (byte) 0xD8;
        big[2] = (byte) 0xFF;
        HttpResponse<String> multipart = upload("big.jpg", "image/jpeg", big);
        assertThat(multipart.statusCode()).isEqualTo(413);
        assertThat(json(multipart).get("detail").asText()).contains("8 MiB");
        assertThat(multipart.headers().firstValue("connection")).as("the answer's Connection header").hasValue("close");

        // A raw body declared over the limit is refused on its headers: nothing of it needs to be sent (and what a
        // client sends unasked after the refusal may meet a closed connection), so only the headers go out here.
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /api/test/raw HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + READ_KEY
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + big.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).isEqualTo("HTTP/1.1 413 Payload Too Large");
        }
    }

    @Test
    void truncatedJpegAndPngAre400() {
        byte[] jpeg = image("jpg", 256, 256);
        HttpResponse<String> cutJpeg = upload("cut.jpg", "image/jpeg", Arrays.copyOf(jpeg, jpeg.length * 6 / 10));
        assertThat(cutJpeg.statusCode()).isEqualTo(400);
        assertThat(json(cutJpeg).get("detail").asText()).contains("truncated");

        byte[] png = image("png", 64, 64);
        HttpResponse<String> cutPng = upload("cut.png", "image/png", Arrays.copyOf(png, png.length - 20));
        assertThat(cutPng.statusCode()).isEqualTo(400);
        assertThat(json(cutPng).get("detail").asText()).contains("truncated");
    }

    @Test
    void sixtyMegapixelPngIsRefusedFromItsHeaderWithoutDecoding() {
        byte[] bomb = pngClaiming(8000, 7500);
        assertThat(bomb.length).isLessThan(100);
        long started = System.nanoTime();
        HttpResponse<String> response = upload("bomb.png", "image/png", bomb);
        // Its pixel data is garbage: had it been decoded, the answer would be 400 corrupt, not 413.
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(json(response).get("detail").asText()).contains("8000x7500").contains("50 megapixels");
        assertThat(System.nanoTime() - started).isLessThan(5_000_000_000L);

        // The same bytes through the decoder path are refused the same way.
        assertThat(postMultipart(server, "/api/test/decode", List.of(Part.file("file", "b.png", "image/png", bomb)),
                "X-API-Key", READ_KEY).statusCode()).isEqualTo(413);
    }

    @Test
    void decodeGivesPixelsOfAcceptedImage() {
        HttpResponse<String> response = postMultipart(server, "/api/test/decode",
                List.of(Part.file("file", "a.jpg", "image/jpeg", image("jpg", 40, 30))), "X-API-Key", READ_KEY);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("width").asInt()).isEqualTo(40);
        assertThat(json(response).get("height").asInt()).isEqualTo(30);
    }

    @Test
    void missingOrEmptyFileIsAValidationError() {
        HttpResponse<String> missing = postMultipart(server, "/api/test/upload",
                List.of(Part.text("other", "x")), "X-API-Key", READ_KEY);
        assertThat(missing.statusCode()).isEqualTo(422);
        assertThat(json(missing).get("detail").asText()).contains("'file'");

        HttpResponse<String> empty = upload("empty.jpg", "image/jpeg", new byte[0]);
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(json(empty).get("detail").asText()).contains("empty");

        HttpResponse<String> notMultipart = ApiTestSupport.post(server, "/api/test/upload", "X-API-Key", READ_KEY);
        assertThat(notMultipart.statusCode()).isEqualTo(422);
    }

    @Test
    void severalImagesAreCountedAgainstTheirBounds() {
        byte[] jpeg = image("jpg", 16, 16);
        List<Part> two = List.of(Part.file("images", "1.jpg", "image/jpeg", jpeg),
                Part.file("images", "2.jpg", "image/jpeg", jpeg));
        HttpResponse<String> ok = postMultipart(server, "/api/test/upload-many", two, "X-API-Key", READ_KEY);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok)).hasSize(2);
        List<Part> six = java.util.Collections.nCopies(6, Part.file("images", "x.jpg", "image/jpeg", jpeg));
        assertThat(postMultipart(server, "/api/test/upload-many", six, "X-API-Key", READ_KEY).statusCode())
                .isEqualTo(422);
    }

    @Test
    void seed004AnswersUploadFailuresAsItsOwnInvalidImage() {
        HttpResponse<String> response = postMultipart(server, "/api/v1/register",
                List.of(Part.text("name", "John Doe"), Part.file("image", "photo.jpg", "image/jpeg", "nope".getBytes())),
                "X-API-Key", ADMIN_KEY);
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode body = json(response);
        assertThat(body.get("success").asBoolean()).isFalse();
        assertThat(body.get("data").isNull()).isTrue();
        assertThat(body.get("error").get("code").asText()).isEqualTo("INVALID_IMAGE");
        assertThat(body.get("error").get("message").asText()).isEqualTo("Invalid image format. Supported: JPEG, PNG");

        HttpResponse<String> ok = postMultipart(server, "/api/v1/register",
                List.of(Part.text("name", "John Doe"), Part.file("image", "p.png", "image/png", image("png", 12, 12))),
                "X-API-Key", ADMIN_KEY);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).get("success").asBoolean()).isTrue();
        assertThat(json(ok).get("error").isNull()).isTrue();
        assertThat(json(ok).get("data").get("width").asInt()).isEqualTo(12);
    }
}
