package dev.countersign

import dev.countersign.ffi.Authenticator
import dev.countersign.ffi.CodesView
import dev.countersign.ffi.FfiException
import dev.countersign.ffi.KeyStore
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * The app's entry to the core: opens the vault and ticks the codes screen.
 * Everything it does is a thin call into Rust; the rules live there.
 */
class Countersign private constructor(val core: Authenticator) {
    companion object {
        /** Opens (or creates) the vault at [path], its key kept by [keyStore]. */
        fun open(path: String, keyStore: KeyStore): Countersign =
            Countersign(Authenticator.open(path, keyStore, null))
    }

    /** The codes screen, recomputed once a second (one FFI call per tick). */
    fun codes(everyMillis: Long = 1000): Flow<CodesView> = flow {
        while (true) {
            emit(core.codes())
            delay(everyMillis)
        }
    }

    /** An account from a scanned or typed otpauth:// URI; the error says which field is wrong. */
    suspend fun add(uri: String): Result<String> =
        try {
            Result.success(core.addAccount(uri))
        } catch (error: FfiException) {
            Result.failure(error)
        }
}
