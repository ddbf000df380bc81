// SwiftUI's handle on the live camera.
import CountersignFFI
import SwiftUI

struct CameraView: UIViewControllerRepresentable {
    let onCode: (ScanItem) -> Void
    /// Once per camera session: how it ended, frames seen and milliseconds since the first.
    let onScanEnd: (ScanEnd, ScanTally) -> Void

    func makeUIViewController(context: Context) -> QRCameraController {
        let controller = QRCameraController()
        controller.onCode = onCode
        controller.onScanEnd = onScanEnd
        return controller
    }

    func updateUIViewController(_ controller: QRCameraController, context: Context) {
        controller.onCode = onCode
        controller.onScanEnd = onScanEnd
    }

    // Called when the view leaves for good: the sheet closed, a code's
    // screen replaced the camera, or "Scan again" started a new session.
    static func dismantleUIViewController(_ controller: QRCameraController, coordinator: Coordinator) {
        controller.endScan()
    }
}
