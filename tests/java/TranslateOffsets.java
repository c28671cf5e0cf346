// Reads strait's checkpoints with MirrorMaker 2's own client utility, as existing MM2
// tooling would: java -cp '<kafka lib>/*' TranslateOffsets.java BOOTSTRAP SOURCE_ALIAS GROUP
// Prints "topic partition offset" per translated partition.
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;

public class TranslateOffsets {
  public static void main(String[] args) throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", args[0]);
    Map<TopicPartition, OffsetAndMetadata> translated =
        RemoteClusterUtils.translateOffsets(props, args[1], args[2], Duration.ofSeconds(60));
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : translated.entrySet()) {
      System.out.println(e.getKey().topic() + " " + e.getKey().partition() + " " + e.getValue().offset());
    }
  }
}
