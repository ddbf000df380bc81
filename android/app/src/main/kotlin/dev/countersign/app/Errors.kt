package dev.countersign.app

import dev.countersign.CountersignException

/** The core's human message ([CountersignException.reason]), or the exception's own. */
fun Throwable.userMessage(): String =
    when (this) {
        is CountersignException -> reason
        else -> message ?: javaClass.simpleName
    }
