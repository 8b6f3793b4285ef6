package dev.jvmllm.chat.internal;

import dev.jvmllm.chat.ParsedOutput;
import dev.jvmllm.chat.ToolCall;
import dev.jvmllm.chat.ToolCallEvent;
import dev.jvmllm.chat.ToolCallEvent.ArgumentsDelta;
import dev.jvmllm.chat.ToolCallEvent.ContentDelta;
import dev.jvmllm.chat.ToolCallEvent.ToolCallStart;
import dev.jvmllm.chat.ToolCallFormat;
import dev.jvmllm.chat.ToolCallStreamParser;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads an output of one {@link ToolCallFormat}, character by character, into content and
 * calls. The whole-output parse is this same reading, so that streaming and not streaming
 * always agree.
 *
 * <p>Text is content until a marker: {@code <tool_call>} (Hermes), {@code <|python_tag|>} or
 * <code>{</code> (Llama 3), {@code [TOOL_CALLS]} or <code>[</code> (Mistral, whose marker is a control token
 * that may be missing from the text), <code>{</code> (generic). What follows a marker is an
 * attempt, held back until it commits: when a call's {@code name} is complete and names one of
 * the tools ({@link ToolCallStart}), or when the generic envelope's {@code response} value
 * opens. An attempt that breaks before it commits, or ends without committing, is content, as
 * written. After it commits, the call's arguments stream as they arrive, compacted (whitespace
 * between JSON tokens dropped), and so does the response: a string's text, unescaped, or any
 * other value's JSON text, compacted the same way; if the JSON breaks after that, the calls so far stand (the last
 * one's arguments cut where it broke, as OpenAI's are when the output is cut) and the text from
 * there on is content again. Whitespace right before a call, and after the last one, is dropped.
 */
public final class OutputScanner implements ToolCallStreamParser {
    private static final Set<String> ARGUMENT_KEYS = Set.of("arguments", "parameters");

    /** What the JSON after a marker must be. */
    private enum Structure {
        /** One call object. */
        CALL,
        /** An array of call objects. */
        CALLS,
        /** The generic envelope: {@code {"tool_calls": [calls]}} or {@code {"response": <a JSON value>}}. */
        ENVELOPE
    }

    private enum Mode { TEXT, AWAIT_JSON, JSON, AWAIT_CLOSE }

    private final ToolCallFormat format;
    private final Set<String> names;
    private final List<String> markers;
    private final String closing;
    private final Supplier<String> ids;
    private final Events events = new Events();
    private final Content content = new Content(events);

    private final StringBuilder queue = new StringBuilder();
    private int queued;
    private Mode mode = Mode.TEXT;
    /** In TEXT: what may be the start of a marker. */
    private final StringBuilder pending = new StringBuilder();
    /** The attempt's text so far, marker included: content if it never commits. */
    private final StringBuilder raw = new StringBuilder();
    /** In AWAIT_CLOSE: whitespace and the closing tag so far. */
    private final StringBuilder tail = new StringBuilder();
    private JsonScanner json;
    private Structure structure;
    private boolean committed;
    private boolean failed;
    private int calls;
    private final Reader reader = new Reader();

    /** Reads calls of the named tools only; with no names, the whole output is content. */
    public OutputScanner(ToolCallFormat format, Collection<String> toolNames) {
        this.format = format;
        this.names = Set.copyOf(toolNames);
        this.markers = toolNames.isEmpty() ? List.of() : switch (format) {
            case HERMES -> List.of("<tool_call>");
            case LLAMA3 -> List.of("<|python_tag|>", "{");
            case MISTRAL -> List.of("[TOOL_CALLS]", "[");
            case GENERIC -> List.of("{");
        };
        this.closing = format == ToolCallFormat.HERMES ? "</tool_call>" : null;
        this.ids = format == ToolCallFormat.MISTRAL ? CallIds::mistral : CallIds::openAi;
    }

    /** Reads a whole output. */
    public static ParsedOutput parse(ToolCallFormat format, Collection<String> toolNames, String output) {
        OutputScanner scanner = new OutputScanner(format, toolNames);
        List<ToolCallEvent> all = new ArrayList<>(scanner.feed(output));
        all.addAll(scanner.finish());
        return collect(all);
    }

    /** The message that events add up to. */
    private static ParsedOutput collect(List<ToolCallEvent> events) {
        StringBuilder text = new StringBuilder();
        List<String> ids = new ArrayList<>();
        List<String> callNames = new ArrayList<>();
        List<StringBuilder> arguments = new ArrayList<>();
        for (ToolCallEvent event : events) {
            switch (event) {
                case ContentDelta d -> text.append(d.text());
                case ToolCallStart s -> {
                    ids.add(s.id());
                    callNames.add(s.name());
                    arguments.add(new StringBuilder());
                }
                case ArgumentsDelta a -> arguments.get(a.index()).append(a.fragment());
            }
        }
        List<ToolCall> toolCalls = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            toolCalls.add(new ToolCall(ids.get(i), callNames.get(i), arguments.get(i).toString()));
        }
        return new ParsedOutput(text.toString(), toolCalls);
    }

    @Override
    public List<ToolCallEvent> feed(String delta) {
        queue.append(delta);
        drain();
        return events.take();
    }

    @Override
    public List<ToolCallEvent> finish() {
        drain();
        switch (mode) {
            case TEXT -> pending.chars().forEach(c -> content.text((char) c));
            case AWAIT_JSON, JSON -> {
                if (committed) {
                    content.structureEnded();
                } else {
                    rawIsContent();
                }
            }
            // the closing tag was cut off: the call is complete without it
            case AWAIT_CLOSE -> { }
        }
        pending.setLength(0);
        mode = Mode.TEXT;
        content.finish();
        return events.take();
    }

    private void drain() {
        while (queued < queue.length()) {
            step(queue.charAt(queued++));
        }
        queue.setLength(0);
        queued = 0;
    }

    /** Reads these characters again, next. */
    private void again(CharSequence text) {
        queue.insert(queued, text);
    }

    private void step(char c) {
        switch (mode) {
            case TEXT -> text(c);
            case AWAIT_JSON -> {
                if (Character.isWhitespace(c)) {
                    raw.append(c);
                } else if (c == '{' || (c == '[' && format == ToolCallFormat.MISTRAL)) {
                    startJson(c == '{' ? Structure.CALL : Structure.CALLS);
                    jsonChar(c);
                } else {
                    fail(c);
                }
            }
            case JSON -> jsonChar(c);
            case AWAIT_CLOSE -> closingChar(c);
        }
    }

    private void text(char c) {
        pending.append(c);
        while (!pending.isEmpty()) {
            String p = pending.toString();
            if (markers.stream().anyMatch(m -> m.length() > p.length() && m.startsWith(p))) {
                return;
            }
            String found = markers.stream().filter(p::startsWith)
                    .reduce(null, (a, b) -> a == null || b.length() > a.length() ? b : a);
            if (found != null) {
                pending.setLength(0);
                startAttempt(found);
                again(p.substring(found.length()));
                return;
            }
            content.text(pending.charAt(0));
            pending.deleteCharAt(0);
        }
    }

    private void startAttempt(String found) {
        raw.setLength(0);
        committed = false;
        failed = false;
        if (found.equals("{") || found.equals("[")) {
            startJson(found.equals("[") ? Structure.CALLS : format == ToolCallFormat.GENERIC ? Structure.ENVELOPE : Structure.CALL);
            jsonChar(found.charAt(0));
        } else {
            raw.append(found);
            mode = Mode.AWAIT_JSON;
        }
    }

    private void startJson(Structure value) {
        structure = value;
        json = new JsonScanner(reader);
        reader.reset();
        mode = Mode.JSON;
    }

    private void jsonChar(char c) {
        raw.append(c);
        JsonScanner.Result result = json.accept(c);
        if (failed || result == JsonScanner.Result.REFUSED) {
            raw.setLength(raw.length() - 1);
            fail(c);
        } else if (result == JsonScanner.Result.DONE) {
            if (!committed) {
                rawIsContent();
                mode = Mode.TEXT;
                return;
            }
            content.structureEnded();
            if (closing != null) {
                tail.setLength(0);
                mode = Mode.AWAIT_CLOSE;
            } else {
                mode = Mode.TEXT;
            }
        }
    }

    /** The attempt broke at {@code c}: before it committed, all of it is content; after, the calls so far stand. */
    private void fail(char c) {
        if (committed) {
            content.structureEnded();
        } else {
            rawIsContent();
        }
        mode = Mode.TEXT;
        again(String.valueOf(c));
    }

    private void rawIsContent() {
        // the attempt's marker is not read again as one, which would loop
        for (int i = 0; i < raw.length(); i++) {
            content.text(raw.charAt(i));
        }
        raw.setLength(0);
    }

    private void closingChar(char c) {
        tail.append(c);
        String held = tail.toString();
        String tag = held.stripLeading();
        if (closing.startsWith(tag)) {
            if (tag.equals(closing)) {
                tail.setLength(0);
                mode = Mode.TEXT;
            }
            return;
        }
        // no closing tag: the call is complete all the same, and this is text
        tail.setLength(0);
        mode = Mode.TEXT;
        again(held);
    }

    private void commit() {
        committed = true;
        content.dropHeld();
    }

    /** Interprets the JSON of an attempt as the structure requires. */
    private final class Reader implements JsonScanner.Listener {
        /** Depth of the call objects in the structure. */
        private int callDepth;
        private String envelopeKey;
        private String key;
        private final StringBuilder name = new StringBuilder();
        private boolean inName;
        private boolean started;
        private int index;
        private boolean inArguments;
        private boolean hadArguments;
        private final StringBuilder early = new StringBuilder();
        /** In the envelope's response, a value that is no string: its JSON text is the content. */
        private boolean inResponse;

        void reset() {
            callDepth = switch (structure) {
                case CALL -> 0;
                case CALLS -> 1;
                case ENVELOPE -> 2;
            };
            envelopeKey = null;
            inResponse = false;
            newCall();
        }

        private void newCall() {
            key = null;
            name.setLength(0);
            inName = false;
            started = false;
            inArguments = false;
            hadArguments = false;
            early.setLength(0);
        }

        @Override
        public void valueStart(int depth, char first) {
            if (failed || inResponse) {
                return;
            }
            if (depth < callDepth) {
                boolean ok = switch (structure) {
                    case CALL -> true;
                    case CALLS -> first == '[';
                    case ENVELOPE -> depth == 0 ? first == '{' : envelopeValue(first);
                };
                failed = !ok;
            } else if (depth == callDepth) {
                if (first == '{') {
                    newCall();
                } else {
                    failed = true;
                }
            } else if (depth == callDepth + 1 && key != null) {
                if (key.equals("name") && !started && !inName) {
                    inName = first == '"';
                    failed = !inName;
                } else if (ARGUMENT_KEYS.contains(key)) {
                    inArguments = first == '{' && !hadArguments;
                    failed = !inArguments;
                    hadArguments = true;
                }
            }
        }

        private boolean envelopeValue(char first) {
            if ("tool_calls".equals(envelopeKey)) {
                return first == '[';
            }
            if ("response".equals(envelopeKey)) {
                commit();
                inResponse = first != '"';
                return true;
            }
            return false;
        }

        @Override
        public void key(int depth, String value) {
            if (failed || inResponse) {
                return;
            }
            if (structure == Structure.ENVELOPE && depth == 1) {
                // the envelope has one key, and it says which kind it is
                failed = envelopeKey != null || !(value.equals("tool_calls") || value.equals("response"));
                envelopeKey = value;
            } else if (depth == callDepth + 1) {
                key = value;
            }
        }

        @Override
        public void stringChar(int depth, char c) {
            // a string inside a response that is no string is content as written, escapes and all, from significant()
            if (failed || inResponse) {
                return;
            }
            if (inName && depth == callDepth + 1) {
                name.append(c);
            } else if (structure == Structure.ENVELOPE && depth == 1 && "response".equals(envelopeKey)) {
                content.literal(c);
            }
        }

        @Override
        public void valueEnd(int depth) {
            if (failed) {
                return;
            }
            if (inResponse) {
                // the response itself is at depth 1; what ends deeper is inside it
                inResponse = depth > 1;
                return;
            }
            if (inName && depth == callDepth + 1) {
                inName = false;
                if (!names.contains(name.toString())) {
                    failed = true;
                    return;
                }
                commit();
                started = true;
                index = calls++;
                events.start(index, ids.get(), name.toString());
                if (!early.isEmpty()) {
                    events.arguments(index, early);
                    early.setLength(0);
                }
            } else if (inArguments && depth == callDepth + 1) {
                inArguments = false;
            } else if (depth == callDepth) {
                if (!started) {
                    failed = true;
                } else if (!hadArguments) {
                    events.arguments(index, "{}");
                }
            }
        }

        @Override
        public void significant(char c) {
            if (failed) {
                return;
            }
            if (inResponse) {
                content.literal(c);
                return;
            }
            if (!inArguments) {
                return;
            }
            if (started) {
                events.arguments(index, String.valueOf(c));
            } else {
                early.append(c);
            }
        }
    }

    /** Content as it is given, with whitespace held back until it is known whether a call follows it. */
    private static final class Content {
        private final Events events;
        private final StringBuilder held = new StringBuilder();
        private boolean afterStructure;

        Content(Events events) {
            this.events = events;
        }

        void text(char c) {
            if (Character.isWhitespace(c)) {
                held.append(c);
                return;
            }
            events.content(held);
            held.setLength(0);
            events.content(String.valueOf(c));
            afterStructure = false;
        }

        /** Content that is certain as it is (the generic envelope's response, or its JSON text). */
        void literal(char c) {
            events.content(held);
            held.setLength(0);
            events.content(String.valueOf(c));
            afterStructure = false;
        }

        void dropHeld() {
            held.setLength(0);
        }

        void structureEnded() {
            afterStructure = true;
        }

        void finish() {
            if (!afterStructure) {
                events.content(held);
            }
            held.setLength(0);
        }
    }

    /** Events so far, consecutive deltas of one kind joined. */
    private static final class Events {
        private final List<ToolCallEvent> done = new ArrayList<>();
        private final StringBuilder delta = new StringBuilder();
        /** -1: the delta is content; else the call whose arguments it is. */
        private int deltaIndex = -1;

        void content(CharSequence text) {
            delta(-1, text);
        }

        void arguments(int index, CharSequence text) {
            delta(index, text);
        }

        void start(int index, String id, String name) {
            flush();
            done.add(new ToolCallStart(index, id, name));
        }

        private void delta(int index, CharSequence text) {
            if (text.isEmpty()) {
                return;
            }
            if (index != deltaIndex) {
                flush();
                deltaIndex = index;
            }
            delta.append(text);
        }

        private void flush() {
            if (!delta.isEmpty()) {
                done.add(deltaIndex < 0 ? new ContentDelta(delta.toString()) : new ArgumentsDelta(deltaIndex, delta.toString()));
                delta.setLength(0);
            }
        }

        List<ToolCallEvent> take() {
            flush();
            List<ToolCallEvent> taken = List.copyOf(done);
            done.clear();
            return taken;
        }
    }
}
