package dev.countersign.app

import java.io.File
import org.junit.Assert.assertEquals
import org.junit.Assume.assumeTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment

/**
 * The JNI entry that sets up HTTPS on a phone is exported under the name the
 * JVM looks for and can be called (on the host it has nothing to set up and
 * answers at once; on Android it hands the context to the verifier).
 */
@RunWith(RobolectricTestRunner::class)
class PlatformTlsTest {
    private val library = File(System.getProperty("jna.library.path") ?: "", "libcountersign_ffi.so")

    @Test
    fun `the native init entry is exported and callable, once per process`() {
        assumeTrue("no host libcountersign_ffi", library.isFile)
        var loads = 0
        val load = { loads++; System.load(library.absolutePath) }
        PlatformTls.init(RuntimeEnvironment.getApplication(), load)
        PlatformTls.init(RuntimeEnvironment.getApplication(), load)
        assertEquals(1, loads)
    }
}
