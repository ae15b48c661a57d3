package io.facestream.api;

import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.config;
import static io.facestream.api.ApiTestSupport.image;
import static io.facestream.api.ApiTestSupport.keys;
import static io.facestream.api.ApiTestSupport.postMultipart;
import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.api.ApiTestSupport.Part;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A POST refused before its body is read (a missing, wrong or under-scoped key) is answered on its headers and
 * its body is never drained (issue 19: draining let slow bodies hold the server), so the connection is closed
 * after the answer and says so ({@code Connection: close}); a client must not lose the answer or its next
 * request to that. A client sending {@code Expect: 100-continue}, HTTP's way to learn of a refusal before
 * sending the body, gets every 401/403 and loses no later request. (Without it, a client still pushing a large
 * body when the server closes may see the connection reset instead of the answer: the price of not reading
 * what an unauthenticated client sends.)
 */
class BadInputConnectionTest {

    @Test
    void refusedUploadsLeaveTheConnectionUsable() {
        String[][] credentials = {{}, {"Authorization", "Bearer wrong-key"}, {"X-API-Key", "wrong-key"},
                {"X-Email", "mallory@example.com"}, {"Authorization", "Bearer " + READ_KEY}};
        int[] statuses = {401, 401, 401, 401, 403};
        byte[] large = image("jpg", 200, 200);
        List<String> failures = new ArrayList<>();
        try (ApiServer server = ApiServer.start(config(AuthConfig.withKeys(keys())), List.of(ApiTestSupport.TEST_ROUTES))) {
            for (int i = 0; i < 300; i++) {
                int which = i % credentials.length;
                byte[] photo = i % 2 == 0 ? large : image("jpg", 60 + i % 50, 60);
                try {
                    HttpResponse<String> response = postMultipart(server, "/api/test/items", true,
                            List.of(Part.file("images", "a.jpg", "image/jpeg", photo)), credentials[which]);
                    if (response.statusCode() != statuses[which]) {
                        failures.add(i + ": " + response.statusCode() + " " + response.body());
                    }
                } catch (RuntimeException e) {
                    failures.add(i + ": " + e);
                }
            }
        }
        assertThat(failures).isEmpty();
    }
}
