package dev.cortado.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;

/**
 * A dataset of text documents, whatever its files: Parquet (a string column), JSON Lines (a string
 * field; other records skipped) or plain text (each line a document). Null for a skipped row.
 */
final class Documents {
    private Documents() {}

    static JavaRDD<String> read(SparkSession spark, List<String> inputs, String field) {
        List<String> parquet = new ArrayList<>(), jsonl = new ArrayList<>(), text = new ArrayList<>();
        for (var f : SparkJobs.expand(inputs, spark.sparkContext().hadoopConfiguration())) {
            String p = f.getPath().toString(), n = f.getPath().getName();
            (SparkJobs.isParquet(n) ? parquet : SparkJobs.isJsonl(n) ? jsonl : text).add(p);
        }
        if (parquet.size() + jsonl.size() + text.size() == 0) throw new CortadoException("no input files in " + inputs);
        JavaRDD<String> all = null;
        if (!parquet.isEmpty())
            all = spark.read().parquet(parquet.toArray(String[]::new)).select(field).javaRDD()
                    .map(r -> r.isNullAt(0) ? null : r.getString(0));
        if (!jsonl.isEmpty()) {
            JavaRDD<String> j = spark.read().textFile(jsonl.toArray(String[]::new)).javaRDD()
                    .filter(l -> !l.isBlank()).map(l -> field(l, field));
            all = all == null ? j : all.union(j);
        }
        if (!text.isEmpty()) {
            JavaRDD<String> t = spark.read().textFile(text.toArray(String[]::new)).javaRDD();
            all = all == null ? t : all.union(t);
        }
        return all;
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static String field(String line, String field) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CortadoException("a JSON Lines input has a line that is not valid JSON ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
        }
        JsonNode v = node == null || !node.isObject() ? null : node.get(field);
        return v == null || !v.isTextual() ? null : v.textValue();
    }
}
