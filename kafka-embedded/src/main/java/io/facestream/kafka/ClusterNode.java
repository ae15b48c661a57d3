package io.facestream.kafka;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One node of a multi-node KRaft cluster as its own process, so a test can kill it as a machine dies:
 * {@code ClusterNode DATA_DIR NODE_ID HOST PORT CONTROLLER_PORT VOTERS CLUSTER_ID}. Prints {@code NODE READY}
 * once it answers, then runs until the process ends.
 */
public final class ClusterNode {

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 7) {
            System.err.println("usage: ClusterNode DATA_DIR NODE_ID HOST PORT CONTROLLER_PORT VOTERS CLUSTER_ID");
            System.exit(2);
        }
        EmbeddedKafkaBroker node = EmbeddedKafkaBroker.startClusterNode(new EmbeddedKafkaBroker.Settings(Path.of(args[0]), args[2],
                Integer.parseInt(args[3]), Integer.parseInt(args[4]), Map.of()), Integer.parseInt(args[1]), args[5], args[6]);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "cluster-node-stop"));
        System.out.println("NODE READY " + node.bootstrapServers());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    private ClusterNode() {
    }
}
