package spine.model.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads multi-document YAML into located {@link Node} trees. Refuses what could blow up or mislead:
 * aliases (which also stops alias bombs), duplicate keys, and documents over {@link #MAX_DOCUMENT_CHARS}.
 */
public final class YamlReader {
    public static final int MAX_DOCUMENT_CHARS = 1 << 20;
    private static final int MAX_DEPTH = 64;

    public record Document(Node root, Mark start) {}

    public record Result(List<Document> documents, List<SpecError> errors) {}

    private final YAMLFactory factory;

    public YamlReader() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(64 << 20);
        options.setAllowDuplicateKeys(true); // we report duplicates ourselves, with their line
        options.setMaxAliasesForCollections(1);
        this.factory = YAMLFactory.builder().loaderOptions(options).build();
    }

    public Result read(String file, String text) {
        var docs = new ArrayList<Document>();
        var errors = new ArrayList<SpecError>();
        try (YAMLParser p = (YAMLParser) factory.createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                Mark start = mark(file, p.currentTokenLocation());
                long startOffset = p.currentTokenLocation().getCharOffset();
                Node root = readNode(file, p, t, errors, 0);
                long size = p.currentLocation().getCharOffset() - startOffset;
                if (size > MAX_DOCUMENT_CHARS) {
                    errors.add(start.error("document is " + size + " characters; the limit is 1 MiB per document;"
                            + " split it into smaller documents"));
                    continue;
                }
                if (isEmpty(root, text, startOffset)) continue;
                docs.add(new Document(root, start));
            }
        } catch (AliasException e) {
            errors.add(e.mark.error("YAML alias \"*" + e.name + "\" is not allowed; write the value out in full"));
        } catch (DepthException e) {
            errors.add(e.mark.error("nesting deeper than " + MAX_DEPTH + " levels; specs are never that deep"));
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            Mark m = loc == null ? new Mark(file, 1, 1) : mark(file, loc);
            errors.add(m.error("YAML syntax error: " + firstLine(e.getOriginalMessage()) + "; fix the YAML syntax"));
        } catch (IOException e) {
            errors.add(new Mark(file, 1, 1).error("cannot read YAML: " + e.getMessage()));
        }
        return new Result(docs, errors);
    }

    /**
     * An empty or comment-only document, which kubectl skips: a file ending in "---" is the common case. The YAML
     * parser hands such a document over as an empty plain scalar; an explicitly quoted {@code ""} stays an error.
     */
    private static boolean isEmpty(Node root, String text, long offset) {
        if (!(root instanceof Node.Scalar s)) return false;
        if (s.type() == Node.ScalarType.NULL) return true;
        if (s.type() != Node.ScalarType.STRING || !s.text().isEmpty()) return false;
        if (offset < 0 || offset >= text.length()) return true;
        char c = text.charAt((int) offset);
        return c != '"' && c != '\'';
    }

    private Node readNode(String file, YAMLParser p, JsonToken t, List<SpecError> errors, int depth) throws IOException {
        Mark mark = mark(file, p.currentTokenLocation());
        if (p.isCurrentAlias()) throw new AliasException(mark, p.getText());
        if (depth > MAX_DEPTH) throw new DepthException(mark);
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Node.Entry> entries = new LinkedHashMap<>();
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    Mark keyMark = mark(file, p.currentTokenLocation());
                    String key = p.currentName();
                    Node value = readNode(file, p, p.nextToken(), errors, depth + 1);
                    if (entries.containsKey(key)) {
                        errors.add(keyMark.error("duplicate key \"" + key + "\" (first at line "
                                + entries.get(key).keyMark().line() + "); keep only one"));
                    } else {
                        entries.put(key, new Node.Entry(keyMark, value));
                    }
                }
                if (k != JsonToken.END_OBJECT) throw new IllegalStateException("unbalanced YAML mapping at " + mark);
                yield new Node.MapNode(mark, entries);
            }
            case START_ARRAY -> {
                var items = new ArrayList<Node>();
                JsonToken i;
                while ((i = p.nextToken()) != JsonToken.END_ARRAY) items.add(readNode(file, p, i, errors, depth + 1));
                yield new Node.ListNode(mark, items);
            }
            case VALUE_STRING -> new Node.Scalar(mark, p.getText(), Node.ScalarType.STRING);
            case VALUE_NUMBER_INT -> new Node.Scalar(mark, p.getText(), Node.ScalarType.INTEGER);
            case VALUE_NUMBER_FLOAT -> new Node.Scalar(mark, p.getText(), Node.ScalarType.FLOAT);
            case VALUE_TRUE, VALUE_FALSE -> new Node.Scalar(mark, p.getText(), Node.ScalarType.BOOLEAN);
            case VALUE_NULL -> new Node.Scalar(mark, "", Node.ScalarType.NULL);
            default -> new Node.Scalar(mark, p.getText(), Node.ScalarType.STRING);
        };
    }

    private static Mark mark(String file, JsonLocation loc) {
        return new Mark(file, Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
    }

    private static String firstLine(String s) {
        if (s == null) return "malformed input";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static final class AliasException extends JsonProcessingException {
        final Mark mark;
        final String name;

        AliasException(Mark mark, String name) {
            super("alias");
            this.mark = mark;
            this.name = name;
        }
    }

    private static final class DepthException extends JsonProcessingException {
        final Mark mark;

        DepthException(Mark mark) {
            super("depth");
            this.mark = mark;
        }
    }

}
