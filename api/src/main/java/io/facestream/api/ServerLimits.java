package io.facestream.api;

import java.time.Duration;

/**
 * How much of the server one client, and all clients together, may hold: what keeps a hostile client from
 * taking the API down for everyone (issue 19).
 *
 * @param maxConnectionsPerClient open connections from one IP address; more are closed as they are accepted
 * @param maxConnections          open connections in all; Jetty stops accepting above it
 * @param requestsPerSecond       requests per second from one IP address (a leaky bucket as large as one
 *                                second's worth), answered 429 with {@code Retry-After} above it; 0: no limit
 * @param idleTimeout             a connection (or a blocking read of a request body) idle this long is closed
 * @param minRequestDataRate      bytes per second a request body must arrive at; a slower one is cut off (408)
 * @param analysisWorkers         images decoded and analysed at once (each can cost ~450 MB at 50 megapixels)
 * @param analysisQueue           images waiting for a worker; more are answered 503 at once
 */
public record ServerLimits(int maxConnectionsPerClient, int maxConnections, int requestsPerSecond,
        Duration idleTimeout, long minRequestDataRate, int analysisWorkers, int analysisQueue) {

    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 128;
    public static final int DEFAULT_MAX_CONNECTIONS = 4096;
    public static final int DEFAULT_REQUESTS_PER_SECOND = 500;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final long DEFAULT_MIN_REQUEST_DATA_RATE = 8 * 1024;
    public static final int DEFAULT_ANALYSIS_QUEUE = 16;

    public ServerLimits {
        if (maxConnectionsPerClient <= 0 || maxConnections < maxConnectionsPerClient || requestsPerSecond < 0
                || idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero() || minRequestDataRate < 0
                || analysisWorkers <= 0 || analysisQueue < 0) {
            throw new IllegalArgumentException("server limits must be positive, and all connections at least one"
                    + " client's: " + maxConnectionsPerClient + ", " + maxConnections + ", " + requestsPerSecond
                    + ", " + idleTimeout + ", " + minRequestDataRate + ", " + analysisWorkers + ", " + analysisQueue);
        }
    }

    /** The defaults above, with one analysis worker per core up to four (four 50 MP images: under 2 GB). */
    public static ServerLimits defaults() {
        return new ServerLimits(DEFAULT_MAX_CONNECTIONS_PER_CLIENT, DEFAULT_MAX_CONNECTIONS,
                DEFAULT_REQUESTS_PER_SECOND, DEFAULT_IDLE_TIMEOUT, DEFAULT_MIN_REQUEST_DATA_RATE,
                defaultAnalysisWorkers(), DEFAULT_ANALYSIS_QUEUE);
    }

    public static int defaultAnalysisWorkers() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    public ServerLimits withConnections(int perClient, int total) {
        return new ServerLimits(perClient, total, requestsPerSecond, idleTimeout, minRequestDataRate,
                analysisWorkers, analysisQueue);
    }

    public ServerLimits withRequestsPerSecond(int perClient) {
        return new ServerLimits(maxConnectionsPerClient, maxConnections, perClient, idleTimeout, minRequestDataRate,
                analysisWorkers, analysisQueue);
    }

    public ServerLimits withBodyTimeouts(Duration idle, long minBytesPerSecond) {
        return new ServerLimits(maxConnectionsPerClient, maxConnections, requestsPerSecond, idle, minBytesPerSecond,
                analysisWorkers, analysisQueue);
    }

    public ServerLimits withAnalysis(int workers, int queue) {
        return new ServerLimits(maxConnectionsPerClient, maxConnections, requestsPerSecond, idleTimeout,
                minRequestDataRate, workers, queue);
    }
}
