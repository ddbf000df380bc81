package dev.countersign

import dev.countersign.ffi.Authenticator
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.BiometricPrompt
import dev.countersign.ffi.FfiException
import dev.countersign.ffi.Scanner
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.lang.ref.WeakReference
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * Many threads against one Authenticator: results stay right, nothing crashes,
 * and a second identical round does not grow the process (RSS, file
 * descriptors, Kotlin objects held by Rust).
 */
class ConcurrencyTest {
    private val threads = 8
    private val callsPerThread = 1_250
    private val totpAccounts = 20
    private val hotpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    private fun secret(i: Int): String = ReferenceOtp.base32Encode(ByteArray(20) { (it * 31 + i * 7).toByte() })

    private class Round(val calls: Int, val hotpCodes: List<String>)

    /** [threads] × [callsPerThread] calls: codes view, account list and (1 in 25) the next HOTP code. */
    private fun round(app: Authenticator, ids: Set<String>, hotpId: String): Round {
        val pool = Executors.newFixedThreadPool(threads)
        val start = CountDownLatch(1)
        val failures = Collections.synchronizedList(mutableListOf<Throwable>())
        val hotpCodes = Collections.synchronizedList(mutableListOf<String>())
        val calls = AtomicInteger()
        val secrets = (0 until totpAccounts).associate { "Issuer $it" to ReferenceOtp.base32(secret(it)) }
        repeat(threads) { t ->
            pool.execute {
                start.await()
                try {
                    runBlocking {
                        for (i in 0 until callsPerThread) {
                            when {
                                i % 25 == t % 25 -> hotpCodes += app.nextHotpCode(hotpId)
                                i % 2 == 0 -> {
                                    val view = app.codes()
                                    check(view.items.size == totpAccounts + 1) { "${view.items.size} items" }
                                    for (item in view.items) {
                                        val key = secrets[item.issuer] ?: continue
                                        val expected = ReferenceOtp.totp(key, view.now)
                                        check(item.code == expected) { "${item.issuer}: ${item.code} != $expected at ${view.now}" }
                                    }
                                }
                                else -> check(app.accounts(null).map { it.id }.toSet() == ids) { "the account list changed" }
                            }
                            calls.incrementAndGet()
                        }
                    }
                } catch (e: Throwable) {
                    failures += e
                }
            }
        }
        start.countDown()
        pool.shutdown()
        assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES), "the round finished")
        if (failures.isNotEmpty()) throw AssertionError("${failures.size} threads failed", failures[0])
        return Round(calls.get(), hotpCodes.toList())
    }

    private fun settle() {
        repeat(3) {
            System.gc()
            System.runFinalization()
            Thread.sleep(50)
        }
    }

    @Test
    fun `10,000 calls from 8 threads are right, and a second round does not grow the process`() {
        val keys = MemoryKeyStore()
        Authenticator.open(tempVault(), keys, null).use { app ->
            val ids = runBlocking {
                (0 until totpAccounts).map { app.addAccount("otpauth://totp/Issuer%20$it:user$it?secret=${secret(it)}") } +
                    app.addAccount("otpauth://hotp/Bank:me?secret=$hotpSecret&counter=0")
            }
            val hotpId = ids.last()
            val hotp = ReferenceOtp.base32(hotpSecret)

            val loads = keys.loads.get()
            val keyStores = keys.storesOf("vault-key-")
            val generationStores = keys.storesOf("vault-generation-")
            val first = round(app, ids.toSet(), hotpId)
            assertEquals(threads * callsPerThread, first.calls)
            // Every HOTP counter was used exactly once across the threads.
            assertEquals((0 until first.hotpCodes.size).map { ReferenceOtp.hotp(hotp, it.toLong()) }.sorted(), first.hotpCodes.sorted())
            settle()
            val rssBefore = rssKiB()
            val fdsBefore = openFileDescriptors()

            val second = round(app, ids.toSet(), hotpId)
            assertEquals(threads * callsPerThread, second.calls)
            val offset = first.hotpCodes.size.toLong()
            assertEquals((0 until second.hotpCodes.size).map { ReferenceOtp.hotp(hotp, offset + it) }.sorted(), second.hotpCodes.sorted())
            settle()
            val grownKiB = rssKiB() - rssBefore
            println("concurrency: RSS ${rssBefore / 1024} MiB, grew $grownKiB KiB over the second round of ${second.calls} calls")
            // The heap is fixed and pre-touched (pom.xml argLine), so RSS moves with
            // native memory. A round moves ~10 MB of codes views and ~7 MB of account
            // lists out of Rust; rounds after the first grow 0.3-3.5 MiB (malloc
            // arenas, JIT), shrinking each round.
            assertTrue(grownKiB < 12 * 1024, "RSS grew by $grownKiB KiB in the second round")
            assertTrue(openFileDescriptors() <= fdsBefore + 2, "file descriptors leaked")
            assertEquals(loads, keys.loads.get(), "the key store is read at open only")
            assertEquals(keyStores, keys.storesOf("vault-key-"), "the vault key is never written again")
            // Each HOTP code raises the vault's rollback counter, kept beside the key.
            assertEquals(
                first.hotpCodes.size + second.hotpCodes.size,
                keys.storesOf("vault-generation-") - generationStores,
                "one key store write per HOTP code, nothing else",
            )
        }
    }

    @Test
    fun `closed objects are destroyed and free what Rust held`() {
        val path = tempVault()
        val keys = MemoryKeyStore()
        Authenticator.open(path, keys, null).use { runBlocking { it.addAccount("otpauth://totp/x?secret=$hotpSecret") } }
        val fdsBefore = openFileDescriptors()
        val keyStores = mutableListOf<WeakReference<MemoryKeyStore>>()
        val prompts = mutableListOf<WeakReference<BiometricPrompt>>()
        repeat(200) {
            val store = MemoryKeyStore().apply { this.keys.putAll(keys.keys) }
            keyStores += WeakReference(store)
            val app = Authenticator.open(path, store, null)
            app.use {
                runBlocking {
                    assertEquals(1, it.codes().items.size)
                    val prompt = object : BiometricPrompt {
                        override suspend fun confirm(reason: String) = BiometricOutcome.PASSED
                    }
                    prompts += WeakReference(prompt)
                    assertThrows<FfiException.NotFound> { runBlocking { it.approve("ch_none", null, prompt) } }
                }
            }
            assertTrue(app.uniffiIsDestroyed)
            assertThrows<IllegalStateException> { runBlocking { app.codes() } }
        }
        repeat(1_000) { Scanner().use { s -> check(!s.isFinished()) } }
        settle()
        // Every vault connection was closed when its Authenticator was.
        assertTrue(openFileDescriptors() <= fdsBefore + 2, "fds: $fdsBefore before, ${openFileDescriptors()} after")
        // Rust released every Kotlin callback object it was given, so the JVM collected them.
        assertEquals(0, keyStores.count { it.get() != null }, "key stores still held")
        assertEquals(0, prompts.count { it.get() != null }, "biometric prompts still held")
    }
}
