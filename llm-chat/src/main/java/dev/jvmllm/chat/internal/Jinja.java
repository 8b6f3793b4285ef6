package dev.jvmllm.chat.internal;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import dev.jvmllm.api.InvalidRequestException;
import jinjava.javax.el.CompositeELResolver;

import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Jinjava set up as transformers sets up Jinja for chat templates: {@code trim_blocks} and
 * {@code lstrip_blocks}, whitespace control on expression tags too and Python's precedence of {@code not}
 * ({@link JinjaSource}), the functions {@code raise_exception} and {@code strftime_now}, and a
 * {@code tojson} that is Python's {@code json.dumps}. Where Jinjava differs from Python's Jinja
 * in what real templates use, it is made to agree: Python's string methods
 * ({@link PyStrings}), {@code trim} with Python's whitespace, the {@code items} filter, and
 * {@code is iterable} true for strings and mappings as in Python.
 */
public final class Jinja {
    private static final Jinjava JINJAVA = create();
    private static final CompositeELResolver RESOLVER = resolver();
    private static final Map<String, Object> FUNCTIONS = Map.of(
            "raise_exception", new FunctionName("raise_exception"),
            "strftime_now", new FunctionName("strftime_now"));

    /** What a template sees of a function used as a variable, as Python prints it. */
    private record FunctionName(String name) {
        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    private Jinja() {
    }

    /**
     * Renders {@code template} with these variables; {@code strftime_now} reads {@code clock}.
     *
     * @throws InvalidRequestException quoting the template's error, or its
     *                                 {@code raise_exception} message verbatim
     */
    public static String render(String template, Map<String, Object> variables, Clock clock) {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(RESOLVER)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .withLocale(Locale.ENGLISH)
                .build();
        Map<String, Object> context = new HashMap<>(variables);
        // Python's Jinja sees its globals as variables too: Llama 3's templates test `strftime_now is defined`
        FUNCTIONS.forEach(context::putIfAbsent);
        JinjaSource source = JinjaSource.of(template);
        RenderResult result;
        try {
            result = JINJAVA.renderForResult(source.text(), context, config);
        } catch (RuntimeException e) {
            throw raised(e).orElseGet(() -> new InvalidRequestException("the chat template failed: " + e.getMessage()));
        }
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        for (TemplateError error : fatal) {
            Optional<InvalidRequestException> raised = raised(error.getException());
            if (raised.isPresent()) {
                throw raised.get();
            }
        }
        if (!fatal.isEmpty()) {
            throw new InvalidRequestException("the chat template failed: " + fatal.stream()
                    .map(e -> e.getMessage() + (e.getLineno() > 0 ? " (line " + source.originalLine(e.getLineno()) + ")" : ""))
                    .collect(Collectors.joining("; ")));
        }
        return result.getOutput();
    }

    /** What {@code raise_exception} throws; Jinjava wraps it, {@link #raised} finds it again. */
    private static final class Raised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Raised(String message) {
            super(message, null, false, false);
        }
    }

    private static Optional<InvalidRequestException> raised(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof Raised raised) {
                return Optional.of(new InvalidRequestException("the chat template rejected the conversation: "
                        + raised.getMessage()));
            }
        }
        return Optional.empty();
    }

    @SuppressWarnings("unused") // called by templates
    private static String raiseException(Object message) {
        throw new Raised(String.valueOf(message));
    }

    @SuppressWarnings("unused") // called by templates
    private static String strftimeNow(String format) {
        JinjavaConfig config = JinjavaInterpreter.getCurrent().getConfig();
        ZonedDateTime now = Instant.ofEpochMilli(config.getDateTimeProvider().getCurrentTimeMillis())
                .atZone(config.getTimeZone());
        return StrftimeFormatter.format(now, format, Locale.ENGLISH);
    }

    private static Jinjava create() {
        Jinjava jinjava = new Jinjava();
        var context = jinjava.getGlobalContext();
        context.registerFunction(function("raise_exception", "raiseException", Object.class));
        context.registerFunction(function("strftime_now", "strftimeNow", String.class));
        context.registerFilter(new ToJson());
        context.registerFilter(new Trim());
        context.registerFilter(new Items());
        context.registerExpTest(new IsIterable());
        return jinjava;
    }

    private static ELFunctionDefinition function(String name, String method, Class<?> parameter) {
        try {
            Method m = Jinja.class.getDeclaredMethod(method, parameter);
            m.setAccessible(true);
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompositeELResolver resolver() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyStrings());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return resolver;
    }

    /** Base of filters that take Python's keyword arguments. */
    private abstract static class PyFilter implements Filter {
        @Override
        public final Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            return filter(value, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public abstract Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs);

        static Object argument(Object[] args, Map<String, Object> kwargs, int index, String name) {
            if (kwargs.containsKey(name)) {
                return kwargs.get(name);
            }
            return args != null && args.length > index ? args[index] : null;
        }
    }

    /** transformers' {@code tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    private static final class ToJson extends PyFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object ensureAscii = argument(args, kwargs, 0, "ensure_ascii");
            Object indent = argument(args, kwargs, 1, "indent");
            Object separators = argument(args, kwargs, 2, "separators");
            Object sortKeys = argument(args, kwargs, 3, "sort_keys");
            PyJson.Style style = new PyJson.Style(null, ", ", ": ", Boolean.TRUE.equals(ensureAscii),
                    Boolean.TRUE.equals(sortKeys));
            if (indent != null) {
                style = style.withIndent(indent instanceof Number n ? " ".repeat(n.intValue()) : indent.toString());
            }
            if (separators instanceof List<?> pair && pair.size() == 2) {
                style = new PyJson.Style(style.indent(), String.valueOf(pair.get(0)), String.valueOf(pair.get(1)),
                        style.ensureAscii(), style.sortKeys());
            }
            return PyJson.dumps(value, style);
        }
    }

    /** Jinja's {@code trim(chars=None)}: Python's {@code str.strip}. */
    private static final class Trim extends PyFilter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (value == null) {
                return "";
            }
            Object chars = argument(args, kwargs, 0, "chars");
            return PyStrings.strip(value.toString(), chars == null ? null : chars.toString(), true, true);
        }
    }

    /** Jinja's {@code items}: a mapping's (key, value) pairs, which {@code for k, v in} unpacks. */
    private static final class Items extends PyFilter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (value instanceof Map<?, ?> map) {
                return new ArrayList<>(map.entrySet());
            }
            if (value == null) {
                return List.of();
            }
            throw new IllegalArgumentException("items expects a mapping, got " + value.getClass().getSimpleName());
        }
    }

    /** Python's {@code is iterable}: strings and mappings are. */
    private static final class IsIterable implements ExpTest {
        @Override
        public String getName() {
            return "iterable";
        }

        @Override
        public boolean evaluate(Object value, JinjavaInterpreter interpreter, Object... args) {
            return value instanceof CharSequence || value instanceof SafeString || value instanceof Map<?, ?>
                    || value instanceof Iterable<?>
                    || (value != null && value.getClass().isArray());
        }
    }
}
