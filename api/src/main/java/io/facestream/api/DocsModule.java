package io.facestream.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * /openapi.json, and /docs: Swagger UI from the org.webjars:swagger-ui jar, loading that document. Both
 * need the read scope like every route but /health (API.md); behind the SSO gateway a browser has it.
 */
final class DocsModule implements ApiModule {
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    private static final Pattern ASSET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final String PAGE = """
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>facestream API</title>
              <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
            </head>
            <body>
              <div id="swagger-ui"></div>
              <script src="/docs/assets/swagger-ui-bundle.js"></script>
              <script>
                window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true });
              </script>
            </body>
            </html>
            """;

    private final String swaggerUiVersion = webjarVersion();
    private volatile String document;

    @Override
    public void register(Routes routes) {
        routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(document))
                .summary("This OpenAPI document")
                .tags("system")
                .responds(200, "OpenAPI 3.1 JSON");
        routes.get("/docs", ctx -> ctx.html(PAGE))
                .summary("Browsable API documentation (Swagger UI)")
                .tags("system")
                .respondsBinary(200, "text/html", "An HTML page");
        routes.get("/docs/assets/{file}", this::asset)
                .hidden("Swagger UI's own scripts and styles, which /docs loads: files, not an API");
    }

    /** Set once, after every module has registered. */
    void publish(String json) {
        this.document = json;
    }

    private void asset(Context ctx) throws IOException {
        String name = ctx.pathParam("file");
        InputStream in = ASSET_NAME.matcher(name).matches()
                ? DocsModule.class.getClassLoader().getResourceAsStream(WEBJAR + swaggerUiVersion + "/" + name)
                : null;
        if (in == null) {
            throw ApiException.notFound("No documentation asset " + name);
        }
        try (in) {
            ctx.contentType(contentType(name)).header("Cache-Control", "public, max-age=86400")
                    .result(in.readAllBytes());
        }
    }

    private static String contentType(String name) {
        if (name.endsWith(".js")) {
            return "text/javascript";
        } else if (name.endsWith(".css")) {
            return "text/css";
        } else if (name.endsWith(".png")) {
            return "image/png";
        } else if (name.endsWith(".html")) {
            return "text/html";
        }
        return "application/octet-stream";
    }

    private static String webjarVersion() {
        try (InputStream in = DocsModule.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the org.webjars:swagger-ui jar is not on the class path");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new IllegalStateException("the swagger-ui webjar's version is unreadable", e);
        }
    }
}
