// Prints the Eligible Leader Replicas of topics, as `kafka-topics --describe` shows them in
// its Elr column: what an operator copies into strait's audit operator file, because
// librdkafka 2.0.2 has no DescribeTopicPartitions. Unlike kafka-topics it sends nothing to
// "the controller" (a random broker under KRaft, possibly a frozen one in the tests).
//
// Run from source: java -cp '<kafka jars>/*' DescribeElr.java <bootstrap> <topic>...
// Output: one line per partition, "<topic> <partition> <id>,<id>" (no ids: empty ELR).

import java.util.Arrays;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

public class DescribeElr {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    try (Admin admin = Admin.create(props)) {
      var topics = Arrays.asList(args).subList(1, args.length);
      for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get().values()) {
        for (TopicPartitionInfo p : d.partitions()) {
          String elr = p.elr().stream().map(n -> String.valueOf(n.id())).collect(Collectors.joining(","));
          System.out.println(d.name() + " " + p.partition() + " " + elr);
        }
      }
    }
  }
}
