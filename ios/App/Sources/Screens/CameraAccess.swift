// Whether the camera may be used, as the scan screen acts on it.
import AVFoundation
import Foundation

enum CameraAccess: Equatable {
    case allowed
    case notAskedYet
    /// Refused by the user or by a profile: only Settings can change it.
    case refused
    /// No camera at all (the simulator).
    case missing

    static func current() -> CameraAccess {
        guard AVCaptureDevice.default(for: .video) != nil else { return .missing }
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized: return .allowed
        case .notDetermined: return .notAskedYet
        case .denied, .restricted: return .refused
        @unknown default: return .refused
        }
    }

    /// Shows the system prompt (once per install); answers on the main queue.
    static func ask(_ answered: @escaping (CameraAccess) -> Void) {
        AVCaptureDevice.requestAccess(for: .video) { _ in
            DispatchQueue.main.async { answered(current()) }
        }
    }
}
