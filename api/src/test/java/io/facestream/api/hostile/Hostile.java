package io.facestream.api.hostile;

import io.facestream.api.ApiTestSupport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DeflaterOutputStream;
import javax.management.JMException;
import javax.management.ObjectName;

/** What the hostile tests share: raw HTTP over a socket, a decompression-bomb PNG, memory readings. */
final class Hostile {
    private Hostile() {}

    /** An answer read off a raw socket: the status line's code, the header block, the body. */
    record Answer(int status, String head, String body) {
        boolean hasHeader(String name) {
            return head.toLowerCase(Locale.ROOT).contains("\r\n" + name.toLowerCase(Locale.ROOT) + ":");
        }
    }

    /** Sends {@code request} (headers, maybe a body) on a new connection and reads the whole answer. */
    static Answer exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return read(socket.getInputStream());
        }
    }

    /** Reads one answer: the head up to the blank line, then Content-Length bytes of body. */
    static Answer read(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.length() + " bytes of head: " + head);
            }
            head.append((char) b);
        }
        String text = head.toString();
        int status = Integer.parseInt(text.substring(9, 12));
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Answer(status, text, new String(body, StandardCharsets.UTF_8));
    }

    /**
     * A PNG of {@code width x height} black pixels: about 143 KB for 7000 x 7000, a 49-megapixel picture (just
     * under the 50 MP limit) that costs 147 MB to hold decoded. Rows are deflated one by one, never all in memory.
     */
    static byte[] blackPng(int width, int height) {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(compressed)) {
            byte[] row = new byte[1 + width * 3]; // filter type 0, then RGB
            for (int y = 0; y < height; y++) {
                deflate.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ApiTestSupport.chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0).array());
        ApiTestSupport.chunk(out, "IDAT", compressed.toByteArray());
        ApiTestSupport.chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** This process's resident set in bytes (VmRSS), or -1 where /proc is not there. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Live instances per class, counted by the JVM's own class histogram (which collects the heap first). Counts
     * are exact where a heap reading is not: another thread's garbage or a buffer pool's growth moves the heap
     * by megabytes, but no class gains thousands of live instances unless something keeps them.
     */
    static Map<String, Long> liveInstances() {
        String histogram;
        try {
            histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("the JVM's class histogram is not available", e);
        }
        Map<String, Long> instances = new HashMap<>();
        for (String line : histogram.split("\n")) {
            // " 12:  3456  78901  org.example.Thing (module)": rank, instances, bytes, class
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 4 && fields[0].endsWith(":") && fields[1].chars().allMatch(Character::isDigit)) {
                instances.merge(fields[3], Long.parseLong(fields[1]), Long::sum);
            }
        }
        return instances;
    }

    /** The classes that gained at least {@code atLeast} live instances from {@code before} to {@code after}. */
    static Map<String, Long> grownBy(Map<String, Long> before, Map<String, Long> after, long atLeast) {
        Map<String, Long> grown = new TreeMap<>();
        after.forEach((name, count) -> {
            long gained = count - before.getOrDefault(name, 0L);
            if (gained >= atLeast) {
                grown.put(name, gained);
            }
        });
        return grown;
    }

    static void resetHeapPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** The sum of the heap pools' peaks since {@link #resetHeapPeaks}: an upper bound of the heap's peak. */
    static long heapPeaks() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (1024.0 * 1024.0));
    }
}
