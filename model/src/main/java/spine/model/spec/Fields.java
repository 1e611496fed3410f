package spine.model.spec;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Typed, located access to one YAML mapping. Every problem becomes a {@link SpecError}; reading goes on,
 * so one pass reports every error in a file rather than the first.
 */
final class Fields {
    private final Node.MapNode map;
    private final Mark mark;
    private final String where;
    private final List<SpecError> errors;

    Fields(Node node, String where, SequencedSet<String> allowed, List<SpecError> errors) {
        this.where = where;
        this.errors = errors;
        this.mark = node.mark();
        if (node instanceof Node.MapNode m) {
            this.map = m;
            for (Map.Entry<String, Node.Entry> e : m.entries().entrySet()) {
                if (!allowed.contains(e.getKey())) {
                    errors.add(e.getValue().keyMark().error("unknown field \"" + e.getKey() + "\" in " + where
                            + "; " + Hints.suggest(e.getKey(), allowed)));
                }
            }
        } else {
            this.map = new Node.MapNode(node.mark(), Map.of());
            errors.add(node.mark().error(where + " must be a mapping, not " + node.typeName()
                    + "; write it as key: value lines"));
        }
    }

    Mark mark() { return mark; }

    Mark mark(String key) {
        Node.Entry e = map.entries().get(key);
        return e == null ? mark : e.value().mark();
    }

    Optional<Node> node(String key) {
        return Optional.ofNullable(map.entries().get(key)).map(Node.Entry::value)
                .filter(n -> !(n instanceof Node.Scalar s && s.type() == Node.ScalarType.NULL));
    }

    void error(String key, String message) {
        errors.add(mark(key).error(message));
    }

    Optional<String> string(String key, boolean required, String example) {
        Optional<Node> n = node(key);
        if (n.isEmpty()) {
            if (required) errors.add(mark.error("missing field \"" + key + "\" in " + where + "; add it, e.g. " + key + ": " + example));
            return Optional.empty();
        }
        if (n.get() instanceof Node.Scalar s && s.type() == Node.ScalarType.STRING) {
            if (s.text().isBlank()) {
                errors.add(s.mark().error("\"" + key + "\" is empty; give a value, e.g. " + key + ": " + example));
                return Optional.empty();
            }
            return Optional.of(s.text());
        }
        errors.add(n.get().mark().error("\"" + key + "\" must be a string, not " + n.get().typeName()
                + "; e.g. " + key + ": " + example));
        return Optional.empty();
    }

    Optional<Boolean> bool(String key) {
        Optional<Node> n = node(key);
        if (n.isEmpty()) return Optional.empty();
        if (n.get() instanceof Node.Scalar s && s.type() == Node.ScalarType.BOOLEAN) {
            return Optional.of(Boolean.parseBoolean(s.text()));
        }
        errors.add(n.get().mark().error("\"" + key + "\" must be true or false, not " + n.get().typeName()
                + " \"" + text(n.get()) + "\""));
        return Optional.empty();
    }

    Optional<BigDecimal> decimal(String key, BigDecimal min, BigDecimal max, String example) {
        Optional<Node> n = node(key);
        if (n.isEmpty()) return Optional.empty();
        if (n.get() instanceof Node.Scalar s
                && (s.type() == Node.ScalarType.INTEGER || s.type() == Node.ScalarType.FLOAT)) {
            BigDecimal v;
            try {
                v = new BigDecimal(s.text());
            } catch (NumberFormatException e) { // YAML's .nan and .inf, or an exponent beyond any scale
                errors.add(s.mark().error("\"" + key + "\" is " + s.text() + "; it must be a plain number, e.g. "
                        + key + ": " + example));
                return Optional.empty();
            }
            if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
                errors.add(s.mark().error("\"" + key + "\" is " + s.text() + "; it must be between "
                        + min.toPlainString() + " and " + max.toPlainString()));
                return Optional.empty();
            }
            return Optional.of(v);
        }
        errors.add(n.get().mark().error("\"" + key + "\" must be a number, e.g. " + key + ": " + example));
        return Optional.empty();
    }

    Optional<Long> integer(String key, long min, long max, String example) {
        Optional<Node> n = node(key);
        if (n.isEmpty()) return Optional.empty();
        if (n.get() instanceof Node.Scalar s && s.type() == Node.ScalarType.INTEGER) {
            try {
                long v = Long.parseLong(s.text());
                if (v >= min && v <= max) return Optional.of(v);
            } catch (NumberFormatException ignored) {
                // out of range for a long: reported below like any other out-of-range value
            }
            errors.add(s.mark().error("\"" + key + "\" is " + s.text() + "; it must be a whole number from "
                    + min + " to " + max));
            return Optional.empty();
        }
        errors.add(n.get().mark().error("\"" + key + "\" must be a whole number, e.g. " + key + ": " + example));
        return Optional.empty();
    }

    Optional<Long> bytes(String key, long min, long max, String example) {
        Optional<Node> n = node(key);
        if (n.isEmpty()) return Optional.empty();
        if (n.get() instanceof Node.Scalar s && (s.type() == Node.ScalarType.STRING || s.type() == Node.ScalarType.INTEGER)) {
            var v = Quantity.parseBytes(s.text());
            if (v.isEmpty() && Quantity.isOverflow(s.text())) {
                errors.add(s.mark().error("\"" + key + "\" is " + s.text() + "; the most Spine accepts is " + Quantity.format(max)));
                return Optional.empty();
            }
            if (v.isEmpty()) {
                errors.add(s.mark().error("\"" + key + "\" is \"" + s.text() + "\", not a quantity;"
                        + " write bytes or a number with Ki, Mi, Gi, e.g. " + key + ": " + example));
                return Optional.empty();
            }
            if (v.getAsLong() < min) {
                errors.add(s.mark().error("\"" + key + "\" is " + s.text() + "; the least podman accepts is "
                        + Quantity.format(min)));
                return Optional.empty();
            }
            if (v.getAsLong() > max) {
                errors.add(s.mark().error("\"" + key + "\" is " + s.text() + "; the most Spine accepts is " + Quantity.format(max)));
                return Optional.empty();
            }
            return Optional.of(v.getAsLong());
        }
        errors.add(n.get().mark().error("\"" + key + "\" must be a quantity such as " + example));
        return Optional.empty();
    }

    <E extends Enum<E>> Optional<E> choice(String key, Class<E> type) {
        Optional<Node> n = node(key);
        if (n.isEmpty()) return Optional.empty();
        var words = new ArrayList<String>();
        for (E e : type.getEnumConstants()) words.add(word(e));
        if (n.get() instanceof Node.Scalar s && s.type() == Node.ScalarType.STRING) {
            for (E e : type.getEnumConstants()) {
                if (word(e).equals(s.text())) return Optional.of(e);
            }
            errors.add(s.mark().error("\"" + key + "\" is \"" + s.text() + "\"; " + Hints.suggest(s.text(), words)));
            return Optional.empty();
        }
        errors.add(n.get().mark().error("\"" + key + "\" must be one of " + String.join(", ", words)));
        return Optional.empty();
    }

    /** An enum constant as specs spell it: lower case, words joined by "-" (ON_FAILURE is on-failure). */
    private static String word(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    List<String> stringList(String key) {
        Optional<Node> n = node(key);
        if (n.isEmpty()) return List.of();
        if (!(n.get() instanceof Node.ListNode list)) {
            errors.add(n.get().mark().error("\"" + key + "\" must be a list of strings, e.g. " + key
                    + ": [\"sleep\", \"infinity\"]"));
            return List.of();
        }
        var out = new ArrayList<String>();
        for (Node item : list.items()) {
            if (item instanceof Node.Scalar s && s.type() != Node.ScalarType.NULL) out.add(s.text());
            else errors.add(item.mark().error("each item of \"" + key + "\" must be a string, not " + item.typeName()));
        }
        return out;
    }

    SortedMap<String, String> stringMap(String key, java.util.regex.Pattern keyForm, String keyRule) {
        Optional<Node> n = node(key);
        var out = new TreeMap<String, String>();
        if (n.isEmpty()) return out;
        if (!(n.get() instanceof Node.MapNode m)) {
            errors.add(n.get().mark().error("\"" + key + "\" must be a mapping of NAME: value"));
            return out;
        }
        for (Map.Entry<String, Node.Entry> e : m.entries().entrySet()) {
            if (!keyForm.matcher(e.getKey()).matches()) {
                errors.add(e.getValue().keyMark().error("\"" + e.getKey() + "\" is not a valid " + key + " name; " + keyRule));
            }
            if (e.getValue().value() instanceof Node.Scalar s && s.type() != Node.ScalarType.NULL) {
                out.put(e.getKey(), s.text());
            } else {
                errors.add(e.getValue().value().mark().error("the value of " + key + "." + e.getKey()
                        + " must be a string, not " + e.getValue().value().typeName()));
            }
        }
        return out;
    }

    private static String text(Node n) {
        return n instanceof Node.Scalar s ? s.text() : n.typeName();
    }
}
