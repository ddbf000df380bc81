// SwiftUI's handle on the live camera.
import CountersignFFI
import SwiftUI

struct CameraView: UIViewControllerRepresentable {
    let onCode: (ScanItem) -> Void

    func makeUIViewController(context: Context) -> QRCameraController {
        let controller = QRCameraController()
        controller.onCode = onCode
        return controller
    }

    func updateUIViewController(_ controller: QRCameraController, context: Context) {
        controller.onCode = onCode
    }
}
