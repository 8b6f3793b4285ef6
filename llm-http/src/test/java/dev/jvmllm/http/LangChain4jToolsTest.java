package dev.jvmllm.http;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.testing.TestAssets;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A LangChain4j assistant with two {@code @Tool} methods and a record answer, against SmolLM2
 * over HTTP: the model calls a tool, LangChain4j runs it and sends the result back, and the
 * final answer is a {@code json_schema} structured output that LangChain4j maps to the record.
 * Greedy and without the prefix cache, so the conversation is the same on every run.
 */
class LangChain4jToolsTest {

    /** What the assistant can do; records every call it gets. */
    static final class Tools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool("The current weather in a city")
        String weather(@P("the city, such as Paris") String city) {
            calls.add("weather(" + city + ")");
            return "Sunny, 24 degrees Celsius";
        }

        @Tool("Adds two integers")
        int add(@P("the first") int a, @P("the second") int b) {
            calls.add("add(" + a + ", " + b + ")");
            return a + b;
        }
    }

    record Report(String city, String weather) {
    }

    interface Assistant {
        Report report(String question);
    }

    @Test
    void anAssistantCallsAToolAndAnswersWithARecord() {
        try (Model model = Backends.open(TestAssets.smolLm2());
             // without the prefix cache: whether a request finds the last one's KV cache depends on when the
             // engine retired it, and a reused prefix can tip a near tie (docs/scheduler.md); one sequence, for
             // the same reason: a request that came before the last one's sequence was retired took the other
             // sequence's KV cells, and the greedy answer tipped once ("Cambalab" for Paris)
             Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(1)
                     .withContextSize(2048).withPrefixCache(false));
             LlmServer server = LlmServer.builder(scheduler).port(0).build().start()) {
            OpenAiChatModel chatModel = OpenAiChatModel.builder().baseUrl(server.uri() + "/v1").apiKey("unused")
                    .modelName(model.info().name()).temperature(0.0).maxTokens(200).maxRetries(0)
                    .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA).strictJsonSchema(true)
                    .build();
            Tools tools = new Tools();
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(chatModel).tools(tools).build();

            Report report = assistant.report("Use the tool to get the weather in Paris.");

            // the tool called (SmolLM2 asks twice before it answers), its result read into the record
            assertThat(tools.calls).isNotEmpty().allMatch("weather(Paris)"::equals);
            assertThat(report.city()).isEqualTo("Paris");
            assertThat(report.weather()).containsIgnoringCase("sunny");
        }
    }
}
