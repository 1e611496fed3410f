package spine.model.spec;

import java.util.List;
import java.util.Map;

/** A YAML tree that remembers where each node came from, so every error can name its line and column. */
public sealed interface Node {
    Mark mark();

    String typeName();

    record MapNode(Mark mark, Map<String, Entry> entries) implements Node {
        public MapNode { entries = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(entries)); }
        public String typeName() { return "a mapping"; }
    }

    record Entry(Mark keyMark, Node value) {}

    record ListNode(Mark mark, List<Node> items) implements Node {
        public ListNode { items = List.copyOf(items); }
        public String typeName() { return "a list"; }
    }

    /** A scalar with its text and what YAML made of it. */
    record Scalar(Mark mark, String text, ScalarType type) implements Node {
        public String typeName() {
            return switch (type) {
                case STRING -> "a string";
                case INTEGER, FLOAT -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
            };
        }
    }

    enum ScalarType { STRING, INTEGER, FLOAT, BOOLEAN, NULL }
}
