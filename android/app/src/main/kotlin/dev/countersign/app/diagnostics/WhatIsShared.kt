package dev.countersign.app.diagnostics

import dev.countersign.Countersign
import dev.countersign.ffi.SharedFieldItem

/** What "What is shared" lists: every field a diagnostics batch can carry, and what is never shared. */
data class WhatIsShared(val fields: List<SharedFieldItem>, val neverShared: String) {
    companion object {
        /** The core's own list, so the screen says exactly what can be sent (constants: it answers at once). */
        fun fromCore(): WhatIsShared = WhatIsShared(Countersign.whatIsShared(), Countersign.neverShared())
    }
}
