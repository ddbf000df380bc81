package dev.countersign.app.scan

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.ImageFormat
import android.graphics.SurfaceTexture
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.media.ImageReader
import android.net.Uri
import android.os.Bundle
import android.provider.Settings
import android.os.Handler
import android.os.HandlerThread
import android.util.Size
import android.view.Surface
import android.view.TextureView
import android.view.View
import android.widget.LinearLayout
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.ffi.ScanItem
import java.util.concurrent.atomic.AtomicReference

/**
 * A minimal Camera2 scanner: back camera, a TextureView preview and a
 * YUV_420_888 ImageReader feeding [QrFrameAnalyzer] on a background thread.
 * The first code found goes to [ScanResultHandler]. How each scan ended goes
 * to the core's diagnostics ([ScanEnding]).
 */
class ScanActivity : ComponentActivity(), TextureView.SurfaceTextureListener {
    private lateinit var preview: TextureView
    private lateinit var status: android.widget.TextView
    private lateinit var action: android.widget.Button
    private lateinit var results: ScanResultHandler
    private var thread: HandlerThread? = null
    private var camera: CameraDevice? = null
    private var reader: ImageReader? = null

    /**
     * The scan in progress: taken (getAndSet) by whichever ends it first, the
     * frame that found a code or the camera closing, so it is reported once.
     */
    private val analyzer = AtomicReference<QrFrameAnalyzer?>()

    /** Asked once per visit, not on every resume: a "don't ask again" would loop. */
    private val askForCamera =
        registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
            if (granted) {
                showScanning()
                if (preview.isAvailable) open()
            } else {
                showRefused()
            }
        }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        results = ScanResultHandler(this) { message -> status.text = message; analyzer.set(QrFrameAnalyzer.live()) }
        status = label(Text.SCAN)
        action = button("") {}.apply { visibility = View.GONE }
        preview = TextureView(this).apply { surfaceTextureListener = this@ScanActivity }
        setContentView(column(status, action, preview).apply {
            preview.layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, 0, 1f)
        })
        when {
            hasCamera() -> Unit
            // A rotation does not ask again; what the user answered is shown.
            savedInstanceState?.getBoolean(ASKED) == true -> showRefused()
            else -> {
                asked = true
                askForCamera.launch(Manifest.permission.CAMERA)
            }
        }
    }

    private var asked = false

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        outState.putBoolean(ASKED, asked || !hasCamera())
    }

    override fun onResume() {
        super.onResume()
        // Back from Settings with the camera allowed.
        if (hasCamera()) {
            showScanning()
            if (preview.isAvailable) open()
        }
    }

    override fun onPause() {
        close()
        super.onPause()
    }

    private fun hasCamera(): Boolean = checkSelfPermission(Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED

    private fun showScanning() {
        status.text = Text.SCAN
        action.visibility = View.GONE
    }

    /**
     * Refused once: ask again on a tap. Refused for good ("don't ask again", or
     * a policy): Android shows no dialog any more, so the way is Settings.
     */
    private fun showRefused() {
        status.text = Text.CAMERA_NEEDED
        action.visibility = View.VISIBLE
        if (shouldShowRequestPermissionRationale(Manifest.permission.CAMERA)) {
            action.text = Text.ALLOW_CAMERA
            action.setOnClickListener { askForCamera.launch(Manifest.permission.CAMERA) }
        } else {
            action.text = Text.OPEN_SETTINGS
            action.setOnClickListener {
                startActivity(
                    Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", packageName, null)),
                )
            }
        }
    }

    override fun onSurfaceTextureAvailable(surface: SurfaceTexture, width: Int, height: Int) {
        if (hasCamera()) open()
    }

    override fun onSurfaceTextureSizeChanged(surface: SurfaceTexture, width: Int, height: Int) = Unit

    override fun onSurfaceTextureDestroyed(surface: SurfaceTexture): Boolean = true

    override fun onSurfaceTextureUpdated(surface: SurfaceTexture) = Unit

    private fun open() {
        if (camera != null) return
        val manager = getSystemService(CameraManager::class.java) ?: return
        val id =
            manager.cameraIdList.firstOrNull {
                manager.getCameraCharacteristics(it).get(CameraCharacteristics.LENS_FACING) ==
                    CameraCharacteristics.LENS_FACING_BACK
            } ?: manager.cameraIdList.firstOrNull() ?: return
        val characteristics = manager.getCameraCharacteristics(id)
        val front =
            characteristics.get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_FRONT
        @Suppress("DEPRECATION")
        val rotation =
            FrameRotation.degrees(
                characteristics.get(CameraCharacteristics.SENSOR_ORIENTATION) ?: 90,
                windowManager.defaultDisplay.rotation,
                front,
            )
        val sizes =
            characteristics.get(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP)
                ?.getOutputSizes(ImageFormat.YUV_420_888).orEmpty()
        val size = sizes.filter { it.width * it.height <= 1920 * 1080 }.maxByOrNull { it.width * it.height }
            ?: Size(1280, 720)
        val handler = Handler(HandlerThread("countersign-scan").also { thread = it; it.start() }.looper)
        analyzer.set(QrFrameAnalyzer.live())
        val frames = ImageReader.newInstance(size.width, size.height, ImageFormat.YUV_420_888, 2)
        frames.setOnImageAvailableListener({ source ->
            val image = source.acquireLatestImage() ?: return@setOnImageAvailableListener
            val found =
                image.use {
                    try {
                        analyzer.get()?.analyze(it, rotation)
                    } catch (_: Exception) {
                        null // a bad frame is skipped, never fatal
                    }
                }
            if (found != null) {
                analyzer.getAndSet(null)?.let { ScanEnding.report(app, it, ScanEnding.codeRead(found.kind)) }
                runOnUiThread { results.handle(found) }
            }
        }, handler)
        reader = frames
        try {
            manager.openCamera(id, cameraCallback(size, frames, handler), handler)
        } catch (error: SecurityException) {
            status.text = Text.CAMERA_NEEDED
        }
    }

    private fun cameraCallback(size: Size, frames: ImageReader, handler: Handler) =
        object : CameraDevice.StateCallback() {
            override fun onOpened(device: CameraDevice) {
                camera = device
                val texture = preview.surfaceTexture ?: return device.close()
                texture.setDefaultBufferSize(size.width, size.height)
                val surface = Surface(texture)
                @Suppress("DEPRECATION")
                device.createCaptureSession(listOf(surface, frames.surface), object : CameraCaptureSession.StateCallback() {
                    override fun onConfigured(session: CameraCaptureSession) {
                        val request = device.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW)
                        request.addTarget(surface)
                        request.addTarget(frames.surface)
                        request.set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
                        runCatching { session.setRepeatingRequest(request.build(), null, handler) }
                    }

                    override fun onConfigureFailed(session: CameraCaptureSession) = device.close()
                }, handler)
            }

            override fun onDisconnected(device: CameraDevice) = device.close()

            override fun onError(device: CameraDevice, error: Int) = device.close()
        }

    private fun close() {
        camera?.close()
        camera = null
        reader?.close()
        reader = null
        thread?.quitSafely()
        thread = null
        analyzer.getAndSet(null)?.let { ScanEnding.report(app, it, ScanEnding.closedAfter(it.frames)) }
    }

    private val app get() = application as CountersignApp

    override fun onDestroy() {
        results.close()
        super.onDestroy()
    }

    private companion object {
        const val ASKED = "asked-for-camera"
    }
}
