package spine.model.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

import spine.model.Spec;

/** The top-level spec fields two specs differ in, with both values as canonical JSON ("-" where a side has none). */
public final class SpecDiff {
    public record Field(String name, String before, String after) {
        @Override
        public String toString() {
            return name + " " + before + " -> " + after;
        }
    }

    private SpecDiff() {}

    public static List<Field> fields(Spec before, Spec after) {
        ObjectNode a = SpecCodec.body(before);
        ObjectNode b = SpecCodec.body(after);
        var names = new TreeSet<String>();
        a.fieldNames().forEachRemaining(names::add);
        b.fieldNames().forEachRemaining(names::add);
        var out = new ArrayList<Field>();
        for (String n : names) {
            if (!Objects.equals(a.get(n), b.get(n))) out.add(new Field(n, text(a.get(n)), text(b.get(n))));
        }
        return out;
    }

    /** The changed field names, e.g. "image, state". */
    public static String names(Spec before, Spec after) {
        return String.join(", ", fields(before, after).stream().map(Field::name).toList());
    }

    private static String text(JsonNode n) {
        return n == null ? "-" : n.toString();
    }
}
