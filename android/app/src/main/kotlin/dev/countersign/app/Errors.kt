package dev.countersign.app

import dev.countersign.CountersignException
import dev.countersign.ffi.FfiException

/** The core's human message, without the generated `field=value` wrapping. */
fun Throwable.userMessage(): String =
    when (this) {
        is CountersignException -> reason
        is FfiException -> message?.substringAfter("reason=") ?: javaClass.simpleName
        else -> message ?: javaClass.simpleName
    }
