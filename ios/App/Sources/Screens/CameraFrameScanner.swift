// Camera frames to the facade's live QR reader, on the capture queue. The
// first code read is handed on once; later frames are dropped unread. The
// frames seen and the time since the first go with it, for the scan's
// diagnostics event.
import AVFoundation
import Countersign
import CountersignFFI
import Foundation

/// A camera session's diagnostics: frames handed to the reader and
/// milliseconds since the first of them.
struct ScanTally: Equatable {
    var frames: UInt32
    var millis: UInt32
}

final class CameraFrameScanner: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate {
    private let reader = QRFrameReader()
    // Guards everything below it: frames arrive on the capture queue, the
    // rotation and the end of the screen come from the main thread.
    private let lock = NSLock()
    private var rotation = 90
    /// A code was read, or the screen went away without one.
    private var ended = false
    private var frames: UInt32 = 0
    /// Uptime in nanoseconds of the first frame.
    private var firstFrameAt: UInt64?
    /// Called once, on the capture queue, with the first code read.
    private let onCode: (ScanItem, ScanTally) -> Void

    init(onCode: @escaping (ScanItem, ScanTally) -> Void) {
        self.onCode = onCode
    }

    /// Degrees clockwise that make a frame upright (the core reports a code's
    /// corner points in upright coordinates). Set from the main thread.
    func setRotation(_ degrees: Int) {
        lock.lock()
        rotation = degrees
        lock.unlock()
    }

    /// Ends the session without a code (the screen is going away); nil when it
    /// already ended, with a code or before.
    func endWithoutCode() -> ScanTally? {
        lock.lock()
        defer { lock.unlock() }
        guard !ended else { return nil }
        ended = true
        return tally()
    }

    func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer,
                       from connection: AVCaptureConnection) {
        guard let pixels = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
        lock.lock()
        guard !ended else {
            lock.unlock()
            return
        }
        let degrees = rotation
        if firstFrameAt == nil { firstFrameAt = DispatchTime.now().uptimeNanoseconds }
        if frames < UInt32.max { frames += 1 }
        lock.unlock()
        // A frame the core cannot read is skipped, never fatal.
        guard let item = try? reader.read(pixels, rotationDegrees: degrees) else { return }
        lock.lock()
        // The screen may have gone away while this frame was read.
        guard !ended else {
            lock.unlock()
            return
        }
        ended = true
        let result = tally()
        lock.unlock()
        onCode(item, result)
    }

    /// Under `lock`.
    private func tally() -> ScanTally {
        guard let first = firstFrameAt else { return ScanTally(frames: frames, millis: 0) }
        let now = DispatchTime.now().uptimeNanoseconds
        let millis = now > first ? (now - first) / 1_000_000 : 0
        return ScanTally(frames: frames, millis: UInt32(min(millis, UInt64(UInt32.max))))
    }
}
