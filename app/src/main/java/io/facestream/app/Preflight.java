package io.facestream.app;

import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.registry.SchemaRegistryException;
import io.facestream.schemas.registry.SchemaRegistryUnreachableException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What a command checks before it starts anything heavy (models, producers): that Kafka answers and holds
 * the topics it will write, and that the schema registry answers, both within a few seconds, with a reason
 * that names which, where and what was tried.
 */
final class Preflight {
    /** Kafka and the registry are asked at once; each gets this long. */
    static final Duration TIMEOUT = Duration.ofMillis(2500);
    /** A TCP connection to a broker on a reachable network opens in milliseconds; a dropped SYN waits this long. */
    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(1500);

    /** A dependency that did not answer, or answered that it cannot serve. */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message) {
            super(message);
        }
    }

    private Preflight() {
    }

    /** Both checks at once; every failure is reported, Kafka's first. */
    static void check(Ingest.Connection connection, Collection<String> topics) {
        CompletableFuture<String> kafka = CompletableFuture.supplyAsync(() -> kafkaProblem(connection.bootstrapServers(), topics));
        CompletableFuture<String> registry = CompletableFuture.supplyAsync(() -> registryProblem(connection.registryUrl()));
        List<String> problems = new ArrayList<>();
        for (CompletableFuture<String> f : List.of(kafka, registry)) {
            String problem = f.join();
            if (problem != null) problems.add(problem);
        }
        if (!problems.isEmpty()) throw new Unreachable(String.join("; ", problems));
    }

    /** Null when Kafka at {@code bootstrap} answers and holds {@code topics}; else why not. */
    static String kafkaProblem(String bootstrap, Collection<String> topics) {
        // a plain TCP connection first: a refused port or an unknown host is known at once, not after the client's timeout
        List<String> unreachable = new ArrayList<>();
        for (String address : bootstrap.split(",")) {
            String problem = tcpProblem(address.strip());
            if (problem == null) {
                unreachable.clear();
                break;
            }
            unreachable.add(problem);
        }
        if (!unreachable.isEmpty()) return "Kafka at " + bootstrap + " unreachable: " + String.join("; ", unreachable);
        int ms = (int) TIMEOUT.toMillis();
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms,
                AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 1000,
                AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 2000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500,
                AdminClientConfig.CLIENT_ID_CONFIG, "facestream-preflight");
        Admin admin;
        try {
            admin = Admin.create(config);
        } catch (KafkaException e) {
            return "Kafka at " + bootstrap + " cannot be used: " + rootMessage(e);
        }
        try {
            Set<String> present = admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<String> missing = topics.stream().filter(t -> !present.contains(t)).sorted().toList();
            if (missing.isEmpty()) return null;
            return "Kafka at " + bootstrap + " answers but has no topic " + String.join(", ", missing)
                    + ": is facestream (standalone, or its pipeline) running against this cluster?";
        } catch (TimeoutException | ExecutionException e) {
            return "Kafka at " + bootstrap + " unreachable: no broker answered within " + TIMEOUT.toMillis()
                    + " ms (tried a metadata request to " + bootstrap + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while asking Kafka at " + bootstrap;
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    /** Null when a TCP connection to {@code host:port} opens within the connect timeout; else what happened. */
    static String tcpProblem(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) return "'" + address + "' is not host:port";
        String host = address.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            return "'" + address + "' is not host:port";
        }
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
            return null;
        } catch (java.net.UnknownHostException e) {
            return "unknown host " + host + " (tried to resolve it)";
        } catch (java.net.SocketTimeoutException e) {
            return "no TCP connection within " + CONNECT_TIMEOUT.toMillis() + " ms (tried " + address + ")";
        } catch (java.io.IOException e) {
            String why = e instanceof java.net.ConnectException ? "connection refused"
                    : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            return why + " (tried a TCP connection to " + address + ")";
        }
    }

    /** Null when the registry at {@code url} answers; else why not. */
    static String registryProblem(String url) {
        try {
            new RestSchemaRegistryClient(url).checkReachable(TIMEOUT);
            return null;
        } catch (SchemaRegistryUnreachableException | SchemaRegistryException e) {
            return e.getMessage();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
