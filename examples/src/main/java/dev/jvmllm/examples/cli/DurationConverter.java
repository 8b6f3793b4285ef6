package dev.jvmllm.examples.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A duration option's value: a number with a unit ({@code 500ms}, {@code 30s}, {@code 1.5m},
 * {@code 1h}), a plain number of seconds ({@code 30}), or ISO-8601 ({@code PT30S}); never
 * negative. Anything else is a usage error.
 */
final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String text = value.strip().toLowerCase(Locale.ROOT);
        Duration duration;
        Matcher matcher = WITH_UNIT.matcher(text);
        if (matcher.matches()) {
            long nanosPerUnit = switch (matcher.group(2) == null ? "s" : matcher.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            try {
                duration = Duration.ofNanos(new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit))
                        .longValueExact());
            } catch (ArithmeticException e) {
                throw new TypeConversionException("'" + value + "' is too long a duration");
            }
        } else if (text.startsWith("p") || text.startsWith("-p")) {
            try {
                duration = Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw new TypeConversionException("'" + value + "' is not a duration such as 30s, 500ms, 2m or 30");
            }
        } else if (text.startsWith("-")) {
            throw new TypeConversionException("'" + value + "' is negative: a duration must be 0 or more");
        } else {
            throw new TypeConversionException("'" + value + "' is not a duration such as 30s, 500ms, 2m or 30");
        }
        if (duration.isNegative()) {
            throw new TypeConversionException("'" + value + "' is negative: a duration must be 0 or more");
        }
        return duration;
    }

    /** For a message: {@code 300 ms}, {@code 30 s}, {@code 1.5 s}. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis < 1000 ? millis + " ms" : BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + " s";
    }
}
