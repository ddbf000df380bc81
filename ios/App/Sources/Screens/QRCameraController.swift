// The live camera: back camera preview filling the view, frames to
// CameraFrameScanner, and the first code found handed to `onCode` on the main
// thread. The session stops when the view goes away or a code is found. How
// the session ended goes to `onScanEnd` once, for the diagnostics event.
import AVFoundation
import Countersign
import CountersignFFI
import UIKit

final class QRCameraController: UIViewController {
    var onCode: ((ScanItem) -> Void)?
    /// Once per controller, on the main thread: the code read
    /// (`ScanEnd.codeRead`), or `.cancelled` when the screen went away first.
    var onScanEnd: ((ScanEnd, ScanTally) -> Void)?

    private let session = AVCaptureSession()
    /// startRunning blocks for a while: the session is driven from here, never from main.
    private let sessionQueue = DispatchQueue(label: "dev.countersign.scan.session")
    private let frameQueue = DispatchQueue(label: "dev.countersign.scan.frames")
    private var frames: CameraFrameScanner?
    private var preview: AVCaptureVideoPreviewLayer?

    override func viewDidLoad() {
        super.viewDidLoad()
        view.backgroundColor = .black
        let layer = AVCaptureVideoPreviewLayer(session: session)
        layer.videoGravity = .resizeAspectFill
        view.layer.addSublayer(layer)
        preview = layer

        // The closures below run on the capture queues: they hold what they
        // need themselves rather than reach into this (main-thread) controller.
        let session = self.session
        let sessionQueue = self.sessionQueue
        let reader = CameraFrameScanner { [weak self] item, tally in
            sessionQueue.async { session.stopRunning() }
            DispatchQueue.main.async {
                self?.onScanEnd?(ScanEnd.codeRead(item.kind), tally)
                self?.onCode?(item)
            }
        }
        frames = reader
        let frameQueue = self.frameQueue
        sessionQueue.async {
            CaptureSetup.configure(session, frames: reader, on: frameQueue)
        }
    }

    /// The screen is going away for good (SwiftUI dismantles the view): a
    /// session that read no code ends here, as cancelled. Safe to call twice.
    func endScan() {
        guard let tally = frames?.endWithoutCode() else { return }
        onScanEnd?(.cancelled, tally)
    }

    override func viewDidLayoutSubviews() {
        super.viewDidLayoutSubviews()
        preview?.frame = view.bounds
        followInterfaceOrientation()
    }

    override func viewWillAppear(_ animated: Bool) {
        super.viewWillAppear(animated)
        let session = self.session
        sessionQueue.async {
            if !session.isRunning { session.startRunning() }
        }
    }

    override func viewDidDisappear(_ animated: Bool) {
        super.viewDidDisappear(animated)
        let session = self.session
        sessionQueue.async {
            if session.isRunning { session.stopRunning() }
        }
    }

    /// The preview follows the interface; the scanner is told how far frames
    /// are turned from upright (the back camera's frames are landscape-right).
    private func followInterfaceOrientation() {
        let orientation = view.window?.windowScene?.interfaceOrientation ?? .portrait
        let video: AVCaptureVideoOrientation
        let degrees: Int
        switch orientation {
        case .portraitUpsideDown:
            video = .portraitUpsideDown
            degrees = 270
        case .landscapeLeft:
            video = .landscapeLeft
            degrees = 180
        case .landscapeRight:
            video = .landscapeRight
            degrees = 0
        default:
            video = .portrait
            degrees = 90
        }
        if let connection = preview?.connection, connection.isVideoOrientationSupported {
            connection.videoOrientation = video
        }
        frames?.setRotation(degrees)
    }
}

/// The session's camera, frame format and focus; runs on the session queue.
enum CaptureSetup {
    static func configure(_ session: AVCaptureSession, frames: CameraFrameScanner, on queue: DispatchQueue) {
        session.beginConfiguration()
        defer { session.commitConfiguration() }
        // 720p: enough for any QR code held in front of the phone, and the
        // core's per-frame budget was measured at this size.
        if session.canSetSessionPreset(.hd1280x720) { session.sessionPreset = .hd1280x720 }
        guard let camera = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back)
            ?? AVCaptureDevice.default(for: .video),
            let input = try? AVCaptureDeviceInput(device: camera),
            session.canAddInput(input) else { return }
        session.addInput(input)

        let output = AVCaptureVideoDataOutput()
        output.videoSettings = [
            kCVPixelBufferPixelFormatTypeKey as String: NSNumber(value: kCVPixelFormatType_420YpCbCr8BiPlanarFullRange),
        ]
        output.alwaysDiscardsLateVideoFrames = true
        output.setSampleBufferDelegate(frames, queue: queue)
        guard session.canAddOutput(output) else { return }
        session.addOutput(output)

        do {
            try camera.lockForConfiguration()
            if camera.isFocusModeSupported(.continuousAutoFocus) { camera.focusMode = .continuousAutoFocus }
            // Codes are read from close up.
            if camera.isAutoFocusRangeRestrictionSupported { camera.autoFocusRangeRestriction = .near }
            camera.unlockForConfiguration()
        } catch {
            // Focus stays as it was; scanning still works.
        }
    }
}
