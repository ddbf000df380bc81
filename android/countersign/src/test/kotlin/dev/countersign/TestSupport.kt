package dev.countersign

import dev.countersign.ffi.KeyStore
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

/** The vault key kept in memory: the Kotlin side of the core's SecretStore, called back from Rust. */
class MemoryKeyStore : KeyStore {
    val keys = ConcurrentHashMap<String, ByteArray>()
    val loads = AtomicInteger()
    val stores = AtomicInteger()
    private val storesByName = ConcurrentHashMap<String, AtomicInteger>()

    /** Writes of entries whose name starts with [prefix]: `vault-key-` (the key), `vault-generation-` (the rollback counter). */
    fun storesOf(prefix: String): Int = storesByName.filterKeys { it.startsWith(prefix) }.values.sumOf { it.get() }

    override fun load(name: String): ByteArray? {
        loads.incrementAndGet()
        return keys[name]?.copyOf()
    }

    override fun store(name: String, value: ByteArray) {
        stores.incrementAndGet()
        storesByName.computeIfAbsent(name) { AtomicInteger() }.incrementAndGet()
        keys[name] = value.copyOf()
    }

    override fun delete(name: String) {
        keys.remove(name)
    }
}

private val tempDirs = java.util.concurrent.ConcurrentLinkedQueue<File>().also { dirs ->
    Runtime.getRuntime().addShutdownHook(Thread { dirs.forEach { it.deleteRecursively() } })
}

/** A directory deleted when the test JVM exits. */
fun tempDir(prefix: String): Path = Files.createTempDirectory(prefix).also { tempDirs += it.toFile() }

fun tempVault(): String = tempDir("countersign").resolve("vault.sqlite").toString()

/** An independent RFC 6238 / 4226 implementation, to check the core's codes from Kotlin. */
object ReferenceOtp {
    fun base32(text: String): ByteArray {
        val alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        var buffer = 0
        var bits = 0
        val out = java.io.ByteArrayOutputStream()
        for (c in text.uppercase().trimEnd('=')) {
            buffer = (buffer shl 5) or alphabet.indexOf(c).also { require(it >= 0) { "not base32: $c" } }
            bits += 5
            if (bits >= 8) {
                out.write((buffer shr (bits - 8)) and 0xff)
                bits -= 8
            }
        }
        return out.toByteArray()
    }

    fun base32Encode(bytes: ByteArray): String {
        val alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        val out = StringBuilder()
        var buffer = 0
        var bits = 0
        for (b in bytes) {
            buffer = (buffer shl 8) or (b.toInt() and 0xff)
            bits += 8
            while (bits >= 5) {
                out.append(alphabet[(buffer shr (bits - 5)) and 31])
                bits -= 5
            }
        }
        if (bits > 0) out.append(alphabet[(buffer shl (5 - bits)) and 31])
        return out.toString()
    }

    fun hotp(secret: ByteArray, counter: Long, digits: Int = 6): String {
        val mac = Mac.getInstance("HmacSHA1").apply { init(SecretKeySpec(secret, "HmacSHA1")) }
        val hash = mac.doFinal(java.nio.ByteBuffer.allocate(8).putLong(counter).array())
        val offset = hash.last().toInt() and 0x0f
        val binary = ((hash[offset].toInt() and 0x7f) shl 24) or ((hash[offset + 1].toInt() and 0xff) shl 16) or
            ((hash[offset + 2].toInt() and 0xff) shl 8) or (hash[offset + 3].toInt() and 0xff)
        var modulus = 1
        repeat(digits) { modulus *= 10 }
        return (binary % modulus).toString().padStart(digits, '0')
    }

    fun totp(secret: ByteArray, unixSeconds: Long, period: Long = 30, digits: Int = 6): String =
        hotp(secret, unixSeconds / period, digits)
}

/** This process's resident set size, from /proc/self/status, in KiB. */
fun rssKiB(): Long = File("/proc/self/status").readLines()
    .first { it.startsWith("VmRSS:") }
    .split(Regex("\\s+"))[1].toLong()

fun openFileDescriptors(): Int = File("/proc/self/fd").list()!!.size

/** A string field of a flat JSON object (the server's replies), without a JSON library. */
fun jsonString(json: String, field: String): String? =
    Regex("\"" + Regex.escape(field) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").find(json)?.groupValues?.get(1)
        ?.replace("\\/", "/")?.replace("\\\"", "\"")?.replace("\\u0026", "&")?.replace("\\\\", "\\")

fun jsonBoolean(json: String, field: String): Boolean? =
    Regex("\"" + Regex.escape(field) + "\"\\s*:\\s*(true|false)").find(json)?.groupValues?.get(1)?.toBoolean()

/**
 * target/debug/countersign-server as a child process on 127.0.0.1, port chosen by
 * the OS (listen on port 0; the server prints the address it bound), with a
 * temporary data directory and random tokens.
 */
class ReferenceServer private constructor(
    private val process: Process,
    val baseUrl: String,
    val adminToken: String,
    val rpToken: String,
    private val log: Path,
) : AutoCloseable {
    class Reply(val status: Int, val body: String)

    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    companion object {
        fun start(): ReferenceServer {
            val binary = File(System.getProperty("countersign.server") ?: error("countersign.server is not set"))
            check(binary.canExecute()) { "$binary is missing: build it with cargo build -p countersign-server" }
            val data = tempDir("countersign-server")
            val log = data.resolve("server.log")
            val token = { "t-" + java.util.UUID.randomUUID().toString().replace("-", "") }
            val admin = token()
            val rp = token()
            val process = ProcessBuilder(
                binary.path, "--listen", "127.0.0.1:0", "--data", data.resolve("db").toString(),
                "--org", "Example Corp", "--admin-token", admin, "--rp-token", rp,
            ).redirectError(log.toFile()).start()
            // "countersign-server listening on 127.0.0.1:PORT (public URL ..."
            val lines = process.inputReader()
            val first = java.util.concurrent.CompletableFuture.supplyAsync { lines.readLine() }
            val line = try {
                first.get(30, TimeUnit.SECONDS)
            } catch (e: Exception) {
                process.destroyForcibly()
                throw IllegalStateException("the server did not start: ${Files.readString(log)}", e)
            }
            val address = line?.let { Regex("listening on (127\\.0\\.0\\.1:\\d+)").find(it)?.groupValues?.get(1) }
                ?: run {
                    process.destroyForcibly()
                    error("unexpected server output '$line': ${Files.readString(log)}")
                }
            // Keep reading stdout so the server never blocks on a full pipe.
            Thread { lines.useLines { it.forEach { } } }.apply { isDaemon = true }.start()
            return ReferenceServer(process, "http://$address", admin, rp, log)
        }
    }

    fun request(method: String, path: String, token: String, json: String? = null): Reply {
        val builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(40))
            .header("authorization", "Bearer $token")
        if (json != null) builder.header("content-type", "application/json")
        builder.method(method, json?.let { HttpRequest.BodyPublishers.ofString(it) } ?: HttpRequest.BodyPublishers.noBody())
        val response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString())
        return Reply(response.statusCode(), response.body())
    }

    /** An admin call that must succeed; returns the body. */
    fun admin(method: String, path: String, json: String? = null): String {
        val reply = request(method, path, adminToken, json)
        check(reply.status in 200..299) { "$method $path: ${reply.status} ${reply.body}" }
        return reply.body
    }

    /** A relying-party call (POST /v1/pushes, GET /v1/pushes/{id}). */
    fun rp(method: String, path: String, json: String? = null): Reply = request(method, path, rpToken, json)

    val serverLog: String get() = Files.readString(log)

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }
}
