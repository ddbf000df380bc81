// A QR code in a picture from the photo library, read by the core off the main
// thread. The scan stops when its cancellation is (another picture was chosen,
// or the user left).
import Countersign
import CountersignFFI
import UIKit

enum PictureScanner {
    /// The code, nil when the picture holds none, or why it could not be read.
    static func scan(_ image: UIImage, cancellation: ScanCancellation) async -> Result<ScanItem?, CountersignError> {
        // Re-encoded as JPEG: library pictures are often HEIC, which the core
        // does not decode (it reads PNG, JPEG and WebP). Off the main thread:
        // a photo has millions of pixels.
        let jpeg = await Task.detached(priority: .userInitiated) {
            image.jpegData(compressionQuality: 0.9)
        }.value
        guard let bytes = jpeg else {
            return .failure(.invalidInput(reason: "this picture could not be read"))
        }
        do {
            return .success(try await scanPicture(bytes, cancellation: cancellation))
        } catch {
            return .failure(CountersignError(any: error))
        }
    }
}
