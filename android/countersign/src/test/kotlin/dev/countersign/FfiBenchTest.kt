package dev.countersign

import dev.countersign.ffi.Authenticator
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.BiometricPrompt
import dev.countersign.ffi.FfiException
import dev.countersign.ffi.Scanner
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test

/**
 * What a call into Rust costs from Kotlin. A measurement, not a test: it asserts
 * nothing about time and is excluded from `mvn test`; run it with
 * `mvn -B -q test -Pbench` (prints medians after warm-up) against the release
 * library (`cargo build --release -p countersign-ffi` first; the profile points
 * JNA at target/release).
 */
@Tag("bench")
class FfiBenchTest {
    private fun secret(i: Int): String = ReferenceOtp.base32Encode(ByteArray(20) { (it * 13 + i).toByte() })

    /** Median and p90 of [iterations] single calls after [warmup] calls, in microseconds. */
    private inline fun measure(name: String, warmup: Int, iterations: Int, call: () -> Unit): String {
        repeat(warmup) { call() }
        val samples = LongArray(iterations)
        for (i in 0 until iterations) {
            val start = System.nanoTime()
            call()
            samples[i] = System.nanoTime() - start
        }
        samples.sort()
        val line = "%-58s median %9.2f µs   p90 %9.2f µs   (n=%d)".format(
            name, samples[iterations / 2] / 1000.0, samples[iterations * 9 / 10] / 1000.0, iterations)
        println(line)
        return line
    }

    @Test
    fun `cost of one trivial FFI call and of the codes view of 100 accounts`(): Unit = runBlocking {
        val lines = mutableListOf<String>()
        val keys = MemoryKeyStore()
        val path = tempVault()
        Authenticator.open(path, keys, null).use { app ->
            for (i in 0 until 100) app.addAccount("otpauth://totp/Issuer%20$i:user$i?secret=${secret(i)}")
            Scanner().use { scanner ->
                lines += measure("sync call: Scanner.isFinished()", 20_000, 100_000) { scanner.isFinished() }
            }
            lines += measure("async call: Authenticator.protectId() (in a coroutine)", 20_000, 100_000) { app.protectId() }
            lines += measure("async call: runBlocking { protectId() } from a thread", 20_000, 100_000) {
                runBlocking { app.protectId() }
            }
            lines += measure("codes view, 100 TOTP accounts: Authenticator.codes()", 500, 5_000) {
                check(app.codes().items.size == 100)
            }
            val view = app.codes()
            lines += measure("codes tick, 100 TOTP accounts: Authenticator.codesUpdate()", 500, 5_000) {
                check(app.codesUpdate(view.screen)!!.codes.size == 100)
            }
            app.closeCodesView()
            lines += measure("codes view, 100 TOTP accounts, screen reopened each call", 200, 2_000) {
                check(app.codes().items.size == 100)
                app.closeCodesView()
            }
            // An approval's fixed cost across the FFI: an async call that passes
            // a foreign callback object and comes back as a typed exception. The
            // request is unknown, so the core answers before any network or
            // signing (what a real approval adds is not FFI).
            val prompt = object : BiometricPrompt {
                override suspend fun confirm(reason: String): BiometricOutcome = BiometricOutcome.PASSED
            }
            lines += measure("approve(): async + callback object + typed error, no I/O", 2_000, 20_000) {
                try {
                    app.approve("no-such-request", null, prompt)
                    error("an unknown request cannot be approved")
                } catch (expected: FfiException) {
                }
            }
            lines += measure("account list, 100 accounts: Authenticator.accounts()", 500, 5_000) {
                check(app.accounts(null).size == 100)
            }
        }
        Authenticator.open(tempVault(), keys, null).use { app ->
            for (i in 0 until 1_000) app.addAccount("otpauth://totp/Issuer%20$i:user$i?secret=${secret(i)}")
            lines += measure("codes view, 1,000 TOTP accounts: Authenticator.codes()", 100, 1_000) {
                check(app.codes().items.size == 1_000)
            }
            val view = app.codes()
            lines += measure("codes tick, 1,000 TOTP accounts: Authenticator.codesUpdate()", 100, 1_000) {
                check(app.codesUpdate(view.screen)!!.codes.size == 1_000)
            }
        }
        Countersign.open(path, keys).use { facade ->
            lines += measure("facade: Countersign.codesNow() (IO dispatcher + errors)", 500, 5_000) {
                check(facade.codesNow().items.size == 100)
            }
        }
        java.io.File("target/ffi-bench.txt").writeText(lines.joinToString("\n", postfix = "\n"))
    }
}
