import Countersign
import CountersignFFI
import Foundation
import XCTest
#if canImport(CoreImage)
import CoreImage
#endif

/// The scanning entry points over the real Rust decoder.
final class ScanningTests: XCTestCase {
    private let acme = "otpauth://totp/ACME:jane@acme.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME"

    func testBytesThatAreNoPictureAreInvalidInput() async {
        let error = await thrownError {
            try await scanPicture(Data("not a picture".utf8), cancellation: ScanCancellation())
        }
        guard case .invalidInput? = error as? CountersignError else {
            return XCTFail("expected .invalidInput, got \(String(describing: error))")
        }
    }

    func testABlankFrameHasNoCodeAndLeavesTheSessionOpen() throws {
        let reader = QRFrameReader()
        let blank = Data(repeating: 0xff, count: 64 * 64)

        XCTAssertNil(try reader.read(luma: blank, width: 64, height: 64, bytesPerRow: 64, rotationDegrees: 0))
        XCTAssertFalse(reader.isFinished)
    }

    func testARotationThatIsNotAQuarterTurnIsInvalidInput() {
        let reader = QRFrameReader()
        let blank = Data(repeating: 0xff, count: 64 * 64)

        XCTAssertThrowsError(
            try reader.read(luma: blank, width: 64, height: 64, bytesPerRow: 64, rotationDegrees: 45)
        ) { error in
            guard case .invalidInput? = error as? CountersignError else {
                return XCTFail("expected .invalidInput, got \(error)")
            }
        }
        XCTAssertThrowsError(
            try reader.read(luma: blank, width: 64, height: 64, bytesPerRow: 64, rotationDegrees: -90)
        ) { error in
            guard case .invalidInput? = error as? CountersignError else {
                return XCTFail("expected .invalidInput, got \(error)")
            }
        }
    }

    #if canImport(CoreImage)
    func testAQRCodeInAPictureIsRead() async throws {
        let picture = try XCTUnwrap(QRPicture(acme))

        let item = try await scanPicture(picture.png, cancellation: ScanCancellation())

        XCTAssertEqual(item?.text, acme)
        XCTAssertEqual(item?.kind, .otpauth)
    }

    func testAQRCodeInCameraFramesEndsTheSession() throws {
        let picture = try XCTUnwrap(QRPicture(acme))
        let reader = QRFrameReader()

        // A live session spreads its decoding attempts over frames: feed the
        // same frame as a camera would until one of them reads it.
        var found: ScanItem?
        for _ in 0..<100 where found == nil {
            found = try reader.read(luma: picture.luma, width: picture.width, height: picture.height,
                                    bytesPerRow: picture.width, rotationDegrees: 0)
        }

        XCTAssertEqual(found?.text, acme)
        XCTAssertTrue(reader.isFinished)
        XCTAssertNil(try reader.read(luma: picture.luma, width: picture.width, height: picture.height,
                                     bytesPerRow: picture.width, rotationDegrees: 0))
    }

    func testAPixelBufferFrameIsReadFromItsLumaPlane() throws {
        let picture = try XCTUnwrap(QRPicture(acme))
        let frame = try XCTUnwrap(picture.pixelBuffer())
        let reader = QRFrameReader()

        var found: ScanItem?
        for _ in 0..<100 where found == nil {
            found = try reader.read(frame, rotationDegrees: 0)
        }

        XCTAssertEqual(found?.text, acme)
    }
    #endif
}

#if canImport(CoreImage)
/// A QR code drawn by Core Image, 8 pixels a module inside a white margin.
private struct QRPicture {
    let width: Int
    let height: Int
    /// 8-bit grey, rows `width` bytes apart.
    let luma: Data
    let png: Data

    init?(_ text: String) {
        guard let generator = CIFilter(name: "CIQRCodeGenerator") else {
            return nil
        }
        generator.setValue(Data(text.utf8), forKey: "inputMessage")
        generator.setValue("M", forKey: "inputCorrectionLevel")
        guard let modules = generator.outputImage else {
            return nil
        }
        let code = modules.transformed(by: CGAffineTransform(scaleX: 8, y: 8))
        let bounds = code.extent.insetBy(dx: -64, dy: -64).integral
        let paper = CIImage(color: CIColor(red: 1, green: 1, blue: 1)).cropped(to: bounds)
        let image = code.composited(over: paper)

        let context = CIContext()
        guard let png = context.pngRepresentation(of: image, format: .RGBA8,
                                                  colorSpace: CGColorSpaceCreateDeviceRGB(), options: [:]),
              let drawing = context.createCGImage(image, from: bounds) else {
            return nil
        }
        // Through a grey bitmap context: its first row is the picture's top,
        // as in a camera's luma plane.
        let width = Int(bounds.width)
        let height = Int(bounds.height)
        var pixels = [UInt8](repeating: 0xff, count: width * height)
        let drawn = pixels.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) -> Bool in
            guard let bitmap = CGContext(data: buffer.baseAddress, width: width, height: height,
                                         bitsPerComponent: 8, bytesPerRow: width,
                                         space: CGColorSpaceCreateDeviceGray(),
                                         bitmapInfo: CGImageAlphaInfo.none.rawValue) else {
                return false
            }
            bitmap.draw(drawing, in: CGRect(x: 0, y: 0, width: width, height: height))
            return true
        }
        guard drawn else {
            return nil
        }
        self.width = width
        self.height = height
        luma = Data(pixels)
        self.png = png
    }

    /// The picture as a camera would hand it over: bi-planar 4:2:0, full
    /// range, chroma left grey.
    func pixelBuffer() -> CVPixelBuffer? {
        var made: CVPixelBuffer?
        let status = CVPixelBufferCreate(kCFAllocatorDefault, width, height,
                                         kCVPixelFormatType_420YpCbCr8BiPlanarFullRange, nil, &made)
        guard status == kCVReturnSuccess, let buffer = made else {
            return nil
        }
        CVPixelBufferLockBaseAddress(buffer, [])
        defer { CVPixelBufferUnlockBaseAddress(buffer, []) }
        guard let lumaPlane = CVPixelBufferGetBaseAddressOfPlane(buffer, 0),
              let chromaPlane = CVPixelBufferGetBaseAddressOfPlane(buffer, 1) else {
            return nil
        }
        let lumaStride = CVPixelBufferGetBytesPerRowOfPlane(buffer, 0)
        luma.withUnsafeBytes { (source: UnsafeRawBufferPointer) in
            guard let start = source.baseAddress else {
                return
            }
            for row in 0..<height {
                (lumaPlane + row * lumaStride).copyMemory(from: start + row * width, byteCount: width)
            }
        }
        let chromaBytes = CVPixelBufferGetBytesPerRowOfPlane(buffer, 1) * CVPixelBufferGetHeightOfPlane(buffer, 1)
        chromaPlane.initializeMemory(as: UInt8.self, repeating: 128, count: chromaBytes)
        return buffer
    }
}
#endif
