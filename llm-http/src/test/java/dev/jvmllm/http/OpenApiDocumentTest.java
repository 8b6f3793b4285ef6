package dev.jvmllm.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import dev.jvmllm.http.internal.ApiDescription;
import dev.jvmllm.http.internal.ServerSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document ({@code openapi.json}, written by hand) against the server: its paths and
 * methods are the handler's routes, its request bodies name exactly the fields each endpoint
 * knows (refused and without-effect ones marked so), its schemas are valid JSON Schema, the
 * answers of a server over the fake scheduler match its response schemas, and
 * {@code GET /openapi.json} sends it. schemathesis fuzzes the real server against it
 * ({@code scripts/fuzz.sh}).
 */
class OpenApiDocumentTest {
    private static final String BASE = "https://jvmllm.dev/openapi.json";
    private static final byte[] BYTES = resourceBytes();
    private static final JsonNode DOCUMENT = parse(new String(BYTES, StandardCharsets.UTF_8));
    /** The document's schemas, in the OpenAPI 3.1 dialect, their {@code $ref}s resolved within it. */
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(openApiDialect(),
            builder -> builder.schemas(Map.of(BASE, new String(BYTES, StandardCharsets.UTF_8))));

    private final FakeServer fake = new FakeServer();

    @AfterEach
    void close() {
        fake.close();
    }

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationRouted() {
        ServerSettings settings = new ServerSettings(Optional.of(fake.scheduler), "fake-model", Optional.empty(), "",
                List.of(), 1 << 20, Optional.of("chatml"), Duration.ZERO);
        Map<String, String> routes = new TreeMap<>(ApiDescription.routes(settings));

        Map<String, String> documented = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = DOCUMENT.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            List<String> methods = new java.util.ArrayList<>();
            path.getValue().fieldNames().forEachRemaining(method -> methods.add(method.toUpperCase(java.util.Locale.ROOT)));
            assertThat(methods).as(path.getKey() + ": one method per path, as the handler routes").hasSize(1);
            documented.put(path.getKey(), methods.getFirst());
        }
        assertThat(documented).isEqualTo(routes);
    }

    @Test
    void everyRequestBodyNamesExactlyTheFieldsItsEndpointKnows() {
        Map<String, ApiDescription.Fields> known = ApiDescription.requestFields();
        Set<String> postPaths = new TreeSet<>();
        DOCUMENT.get("paths").fields().forEachRemaining(path -> {
            if (path.getValue().has("post")) {
                postPaths.add(path.getKey());
            }
        });
        assertThat(known.keySet()).containsExactlyInAnyOrderElementsOf(postPaths);

        for (String path : postPaths) {
            JsonNode body = resolve(DOCUMENT.at("/paths/" + escape(path) + "/post/requestBody/content/application~1json/schema"));
            assertThat(body.path("additionalProperties").isBoolean() && !body.get("additionalProperties").asBoolean())
                    .as(path + ": any other field is a 400, so additionalProperties is false").isTrue();
            Map<String, Set<String>> byKind = new HashMap<>();
            Map<String, String> descriptions = new HashMap<>();
            body.get("properties").fields().forEachRemaining(property -> {
                JsonNode schema = property.getValue();
                JsonNode target = schema.has("$ref") ? resolve(schema) : schema;
                String kind = schema.has("x-jvmllm-field") ? schema.get("x-jvmllm-field").asText()
                        : target.path("x-jvmllm-field").asText("honoured");
                byKind.computeIfAbsent(kind, _ -> new HashSet<>()).add(property.getKey());
                descriptions.put(property.getKey(), schema.has("description") ? schema.get("description").asText()
                        : target.path("description").asText());
            });
            assertThat(byKind.keySet()).as(path).isSubsetOf("honoured", "without-effect", "refused");
            ApiDescription.Fields fields = known.get(path);
            if (path.equals("/v1/embeddings")) { // one flat set, the document says what each does
                assertThat(body.get("properties").properties()).extracting(Map.Entry::getKey)
                        .as(path).containsExactlyInAnyOrderElementsOf(fields.all());
                continue;
            }
            assertThat(byKind.getOrDefault("honoured", Set.of())).as(path + " honoured").isEqualTo(fields.honoured());
            assertThat(byKind.getOrDefault("without-effect", Set.of())).as(path + " without effect")
                    .isEqualTo(fields.withoutEffect());
            assertThat(byKind.getOrDefault("refused", Set.of())).as(path + " refused").isEqualTo(fields.refused());
            ApiDescription.refusedBecause(path).forEach((field, why) -> {
                assertThat(descriptions.get(field)).as(path + " " + field).contains(why);
                JsonNode schema = body.get("properties").get(field);
                assertThat((schema.has("$ref") ? resolve(schema) : schema).path("type").asText())
                        .as(path + " " + field + ": only null is accepted").isEqualTo("null");
            });
        }
    }

    @Test
    void everySchemaOfTheDocumentIsValidJsonSchema() {
        Schema metaSchema = SchemaRegistry.withDefaultDialect(Dialects.getDraft202012())
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        DOCUMENT.at("/components/schemas").fields().forEachRemaining(schema ->
                assertThat(metaSchema.validate(schema.getValue())).as(schema.getKey()).isEmpty());
        assertThat(DOCUMENT.get("openapi").asText()).isEqualTo("3.1.0");
        // every $ref points into the document
        List<String> refs = new java.util.ArrayList<>();
        collectRefs(DOCUMENT, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(DOCUMENT.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        }
    }

    @Test
    void getOpenApiJsonSendsTheDocument() {
        HttpResponse<String> response = fake.client.get("/openapi.json");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body()).isEqualTo(new String(BYTES, StandardCharsets.UTF_8));
        assertThat(TestClient.json(response)).isEqualTo(DOCUMENT);
    }

    @Test
    void theDocumentNeedsTheApiKeyLikeEveryEndpointButTheProbes() {
        try (FakeServer keyed = new FakeServer(builder -> builder.chatTemplate("chatml").apiKey("sk-doc"))) {
            HttpResponse<String> without = keyed.client.get("/openapi.json");
            assertThat(without.statusCode()).isEqualTo(401);
            conforms("get", "/openapi.json", without);
            keyed.client.apiKey = "sk-doc";
            assertThat(TestClient.json(keyed.client.get("/openapi.json"))).isEqualTo(DOCUMENT);
        }
        // the document says the same: security everywhere but on the probes
        assertThat(DOCUMENT.at("/security/0/bearerAuth").isArray()).isTrue();
        DOCUMENT.get("paths").fields().forEachRemaining(path -> {
            JsonNode operation = path.getValue().elements().next();
            boolean probe = path.getKey().equals("/health") || path.getKey().equals("/ready");
            assertThat(operation.has("security") && operation.get("security").isEmpty()).as(path.getKey()).isEqualTo(probe);
            assertThat(operation.at("/responses/401").isMissingNode()).as(path.getKey()).isEqualTo(probe);
        });
    }

    @Test
    void theFakeServersAnswersMatchTheResponseSchemas() {
        // the schemas do check: a wrong answer fails
        assertThat(SCHEMAS.getSchema(SchemaLocation.of(BASE + "#/components/schemas/Health"))
                .validate(parse("{\"status\":\"ok\",\"model\":\"m\",\"active_sequences\":-1,\"queue_depth\":0}")))
                .isNotEmpty();
        assertThat(SCHEMAS.getSchema(SchemaLocation.of(BASE + "#/components/schemas/Error"))
                .validate(parse("{\"error\":{\"message\":\"m\",\"type\":\"t\",\"param\":null,\"code\":\"c\"}}")))
                .isNotEmpty();
        conforms("get", "/health", fake.client.get("/health"));
        conforms("get", "/ready", fake.client.get("/ready"));
        conforms("get", "/v1/models", fake.client.get("/v1/models"));
        conforms("get", "/v1/models/{id}", fake.client.get("/v1/models/fake-model"));
        conforms("get", "/v1/models/{id}", fake.client.get("/v1/models/other"));
        conforms("get", "/openapi.json", fake.client.get("/openapi.json"));
        conforms("get", "/metrics", fake.client.get("/metrics"));
        conforms("post", "/generate", fake.client.post("/generate", "{\"prompt\":\"Hi\",\"max_tokens\":3}"));
        conforms("post", "/generate", fake.client.post("/generate", "{\"prompt\":\"Hi\",\"max_tokens\":0}"));
        conforms("post", "/generate", fake.client.post("/generate", "{\"prompt\":\"Hi\",\"stream\":true}"));
        conforms("post", "/v1/completions", fake.client.post("/v1/completions", "{\"prompt\":[\"Hi\"],\"n\":2}"));
        conforms("post", "/v1/completions", fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"suffix\":\"x\"}"));
        conforms("post", "/v1/completions", fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"model\":\"x\"}"));
        conforms("post", "/v1/chat/completions", fake.client.post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4}"));
        conforms("post", "/v1/chat/completions", fake.client.post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temprature\":1}"));
        conforms("post", "/tokenize", fake.client.post("/tokenize", "{\"content\":\"Hé\"}"));
        conforms("post", "/tokenize", fake.client.post("/tokenize", "{\"content\":\"Hé\",\"with_pieces\":true}"));
        conforms("post", "/tokenize", fake.client.post("/tokenize", "{\"content\":\"Hé\",\"parse_special\":true}"));
        conforms("post", "/detokenize", fake.client.post("/detokenize", "{\"tokens\":[72,105]}"));
        conforms("post", "/v1/embeddings", fake.client.post("/v1/embeddings", "{\"input\":\"Hi\"}"));
    }

    /** The response's status is documented for the operation, with its content type, and its JSON body matches the schema. */
    private static void conforms(String method, String path, HttpResponse<String> response) {
        String where = method.toUpperCase(java.util.Locale.ROOT) + " " + path + " " + response.statusCode() + ": "
                + response.body();
        JsonNode operation = DOCUMENT.get("paths").get(path).get(method);
        JsonNode documented = operation.get("responses").get(Integer.toString(response.statusCode()));
        assertThat(documented).as(where + ": status documented").isNotNull();
        String pointer = documented.has("$ref") ? documented.get("$ref").asText()
                : "#/paths/" + escape(path) + "/" + method + "/responses/" + response.statusCode();
        documented = resolve(documented);
        String contentType = response.headers().firstValue("Content-Type").orElseThrow().split(";")[0].strip();
        assertThat(documented.get("content").has(contentType)).as(where + ": content type " + contentType).isTrue();
        if (!contentType.equals("application/json")) {
            return;
        }
        Schema schema = SCHEMAS.getSchema(SchemaLocation.of(BASE + pointer + "/content/application~1json/schema"));
        List<Error> errors = schema.validate(TestClient.json(response));
        assertThat(errors).as(where).isEmpty();
    }

    /** OpenAPI 3.1's dialect, knowing the document's top-level fields (the registry reads the whole document as a schema). */
    private static Dialect openApiDialect() {
        Dialect.Builder dialect = Dialect.builder(Dialects.getOpenApi31());
        for (String field : List.of("openapi", "info", "servers", "security", "tags", "paths", "components")) {
            dialect.keyword(new NonValidationKeyword(field));
        }
        return dialect.build();
    }

    /** A node, or the node its local {@code $ref} names. */
    private static JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            node = DOCUMENT.at(node.get("$ref").asText().substring(1));
        }
        return node;
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.has("$ref") && node.get("$ref").isTextual()) {
            refs.add(node.get("$ref").asText());
        }
        node.forEach(child -> collectRefs(child, refs));
    }

    /** A path as a JSON pointer token. */
    private static String escape(String path) {
        return path.replace("~", "~0").replace("/", "~1");
    }

    private static byte[] resourceBytes() {
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream(ApiDescription.openApiResource())) {
            assertThat(in).as(ApiDescription.openApiResource()).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(String json) {
        try {
            return TestClient.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
