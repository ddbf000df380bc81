import CountersignFFI
import Foundation
#if canImport(CoreVideo)
import CoreVideo
#endif

/// A live camera session: feed it preview frames on the capture queue; the
/// first code read ends it. Errors arrive as `CountersignError`.
public final class QRFrameReader {
    // Qualified: Foundation has a `Scanner` too.
    private let scanner = CountersignFFI.Scanner()

    public init() {}

    /// True once a code was read; later frames are ignored.
    public var isFinished: Bool {
        scanner.isFinished()
    }

    /// One frame's luma (Y) plane, rows `bytesPerRow` apart; `rotationDegrees`
    /// (0, 90, 180 or 270, clockwise) turns it upright, so the code's points
    /// come back in upright coordinates. Decoding takes CPU: call it off the
    /// main thread.
    public func read(luma: Data, width: Int, height: Int, bytesPerRow: Int,
                     rotationDegrees: Int) throws -> ScanItem? {
        do {
            let frameWidth = try frameValue(width, "width")
            let frameHeight = try frameValue(height, "height")
            let rowStride = try frameValue(bytesPerRow, "bytes per row")
            let rotation = try frameValue(rotationDegrees, "rotation")
            return try scanner.pushFrame(width: frameWidth, height: frameHeight, rowStride: rowStride,
                                         rotationDegrees: rotation, bytes: luma)
        } catch {
            throw CountersignError(any: error)
        }
    }

    #if canImport(CoreVideo)
    /// A frame from AVCaptureVideoDataOutput. Its pixel format must start with
    /// an 8-bit luma plane: bi-planar 4:2:0 ('420v', '420f') or 8-bit grey.
    public func read(_ frame: CVPixelBuffer, rotationDegrees: Int) throws -> ScanItem? {
        let format = CVPixelBufferGetPixelFormatType(frame)
        guard lumaFirstFormats.contains(format) else {
            throw CountersignError.invalidInput(
                reason: "the camera frame has no 8-bit luma plane; ask the video output for "
                    + "kCVPixelFormatType_420YpCbCr8BiPlanarFullRange"
            )
        }
        guard CVPixelBufferLockBaseAddress(frame, .readOnly) == kCVReturnSuccess else {
            throw CountersignError.platform(reason: "the camera frame could not be locked for reading")
        }
        defer { CVPixelBufferUnlockBaseAddress(frame, .readOnly) }

        let planar = CVPixelBufferIsPlanar(frame)
        let width = planar ? CVPixelBufferGetWidthOfPlane(frame, 0) : CVPixelBufferGetWidth(frame)
        let height = planar ? CVPixelBufferGetHeightOfPlane(frame, 0) : CVPixelBufferGetHeight(frame)
        let bytesPerRow = planar
            ? CVPixelBufferGetBytesPerRowOfPlane(frame, 0)
            : CVPixelBufferGetBytesPerRow(frame)
        let base = planar ? CVPixelBufferGetBaseAddressOfPlane(frame, 0) : CVPixelBufferGetBaseAddress(frame)
        guard let base = base, width > 0, height > 0, bytesPerRow >= width else {
            throw CountersignError.invalidInput(reason: "the camera frame is empty")
        }
        // The last row need not carry its padding; asking for no more than the
        // core needs keeps the read inside the plane whatever the allocator did.
        let length = bytesPerRow * (height - 1) + width
        // No copy here: the bindings copy the bytes into Rust's buffer before
        // pushFrame returns, and the plane stays locked until then.
        let luma = Data(bytesNoCopy: base, count: length, deallocator: .none)
        return try read(luma: luma, width: width, height: height, bytesPerRow: bytesPerRow,
                        rotationDegrees: rotationDegrees)
    }
    #endif
}

#if canImport(CoreVideo)
private let lumaFirstFormats: Set<OSType> = [
    kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange,
    kCVPixelFormatType_420YpCbCr8BiPlanarFullRange,
    kCVPixelFormatType_OneComponent8,
]
#endif

private func frameValue(_ value: Int, _ name: String) throws -> UInt32 {
    guard let converted = UInt32(exactly: value) else {
        throw CountersignError.invalidInput(reason: "the frame's \(name) \(value) is out of range")
    }
    return converted
}

/// A QR code in a picture (PNG, JPEG or WebP: a screenshot, a photo); nil when
/// there is none. Large pictures are scaled down and the scan gives up after
/// 10 s. `cancellation` stops it from anywhere (another picture was chosen), as
/// does cancelling the calling task; either way it throws `.cancelled`.
public func scanPicture(_ data: Data, cancellation: ScanCancellation) async throws -> ScanItem? {
    try await withTaskCancellationHandler {
        // A scan blocks its thread for up to 10 s: on a GCD thread, not one of
        // Swift concurrency's few cooperative threads (and never the main one).
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ScanItem?, Error>) in
            DispatchQueue.global(qos: .userInitiated).async {
                do {
                    let item = try scanImageCancellable(bytes: data, cancellation: cancellation)
                    continuation.resume(returning: item)
                } catch {
                    continuation.resume(throwing: CountersignError(any: error))
                }
            }
        }
    } onCancel: {
        cancellation.cancel()
    }
}
