// Camera frames to the facade's live QR reader, on the capture queue. The
// first code read is handed on once; later frames are dropped unread.
import AVFoundation
import Countersign
import CountersignFFI
import Foundation

final class CameraFrameScanner: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate {
    private let reader = QRFrameReader()
    private let lock = NSLock()
    private var rotation = 90
    /// Touched only on the capture queue (one frame at a time).
    private var found = false
    /// Called once, on the capture queue, with the first code read.
    private let onCode: (ScanItem) -> Void

    init(onCode: @escaping (ScanItem) -> Void) {
        self.onCode = onCode
    }

    /// Degrees clockwise that make a frame upright (the core reports a code's
    /// corner points in upright coordinates). Set from the main thread.
    func setRotation(_ degrees: Int) {
        lock.lock()
        rotation = degrees
        lock.unlock()
    }

    func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer,
                       from connection: AVCaptureConnection) {
        guard !found, let pixels = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
        lock.lock()
        let degrees = rotation
        lock.unlock()
        // A frame the core cannot read is skipped, never fatal.
        guard let item = try? reader.read(pixels, rotationDegrees: degrees) else { return }
        found = true
        onCode(item)
    }
}
