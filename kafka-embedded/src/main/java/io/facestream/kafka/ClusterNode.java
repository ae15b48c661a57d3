package io.facestream.kafka;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One node of a multi-node KRaft cluster as its own process, so a test can kill it as a machine dies:
 * {@code ClusterNode DATA_DIR NODE_ID HOST PORT CONTROLLER_PORT VOTERS CLUSTER_ID [KEY=VALUE...]}, each
 * {@code KEY=VALUE} a broker setting of its own (a shorter {@code broker.session.timeout.ms}, say). Prints
 * {@code NODE READY} once it answers, then runs until the process ends.
 */
public final class ClusterNode {

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 7) usage();
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 7; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq < 1) usage();
            overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        EmbeddedKafkaBroker node = EmbeddedKafkaBroker.startClusterNode(new EmbeddedKafkaBroker.Settings(Path.of(args[0]), args[2],
                Integer.parseInt(args[3]), Integer.parseInt(args[4]), overrides), Integer.parseInt(args[1]), args[5], args[6]);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "cluster-node-stop"));
        System.out.println("NODE READY " + node.bootstrapServers());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    private static void usage() {
        System.err.println("usage: ClusterNode DATA_DIR NODE_ID HOST PORT CONTROLLER_PORT VOTERS CLUSTER_ID [KEY=VALUE...]");
        System.exit(2);
    }

    private ClusterNode() {
    }
}
