// Scanning a QR code: the live camera (or, when the camera is refused, the way
// to Settings), "Choose a picture" for a code saved as an image, then what the
// code does (EnrollStatusView), or the import preview for an export.
import Countersign
import CountersignAppModel
import CountersignFFI
import SwiftUI
import UIKit

/// What a push enrollment needs from the app's notification glue.
struct PushEnrollmentHooks {
    /// The APNs token to enroll with; nil until APNs has given one (the server
    /// then polls until `updatePushToken` tells it).
    let token: () -> Data?
    /// This phone now approves sign-ins: the moment to ask to show notifications.
    let enrolled: () -> Void

    static var app: PushEnrollmentHooks {
        PushEnrollmentHooks(
            token: { AppEnvironment.shared.pushToken },
            enrolled: { AppEnvironment.shared.pushRegistration.requestAuthorization() }
        )
    }
}

struct ScanView: View {
    let service: CountersignService
    /// Closes the sheet; the text is what the codes screen says afterwards.
    let onClose: (_ notice: String?) -> Void
    let push: PushEnrollmentHooks

    @State private var camera = CameraAccess.current()
    /// A new camera session after "Scan again" (the core's scanner ends at its first code).
    @State private var session = 0
    @State private var enroll: EnrollModel?
    @State private var importing: ImportModel?
    @State private var choosingPicture = false
    @State private var pictureStatus: String?
    @State private var pictureScan: ScanCancellation?

    // Spelled out: private @State makes the synthesized initialiser private.
    init(service: CountersignService, onClose: @escaping (_ notice: String?) -> Void,
         push: PushEnrollmentHooks = .app) {
        self.service = service
        self.onClose = onClose
        self.push = push
    }

    var body: some View {
        NavigationView {
            content
                .navigationBarTitle(Text("Scan QR code"), displayMode: .inline)
                .navigationBarItems(trailing: Button("Cancel") { onClose(nil) })
        }
        .navigationViewStyle(StackNavigationViewStyle())
        .sheet(isPresented: $choosingPicture) {
            ImagePicker(onPicked: scanPicture)
        }
        .onAppear(perform: askForCameraOnce)
        .onDisappear { pictureScan?.cancel() }
        // Back from Settings with the camera allowed.
        .onReceive(NotificationCenter.default.publisher(for: UIApplication.willEnterForegroundNotification)) { _ in
            camera = CameraAccess.current()
        }
    }

    @ViewBuilder
    private var content: some View {
        if let importing = importing {
            ImportStepsView(model: importing, onChooseFile: nil, onDone: { onClose(nil) })
        } else if let enroll = enroll {
            EnrollStatusView(model: enroll, onScanAgain: scanAgain, onImport: showImport,
                             onEnrolled: push.enrolled, onClose: onClose)
                // Each scanned code starts with its own screen state.
                .id(ObjectIdentifier(enroll))
        } else {
            scanner
        }
    }

    private var scanner: some View {
        VStack(spacing: 12) {
            cameraArea
            if let status = pictureStatus {
                Text(status)
                    .font(.footnote)
                    .multilineTextAlignment(.center)
                    .fixedSize(horizontal: false, vertical: true)
                    .padding(.horizontal)
            }
            Button("Choose a picture") { choosingPicture = true }
                .padding(.bottom)
        }
    }

    @ViewBuilder
    private var cameraArea: some View {
        switch camera {
        case .allowed:
            CameraView(onCode: found, onScanEnd: scanEnded)
                .id(session)
                .overlay(Viewfinder())
                .accessibility(label: Text("Camera: point it at the QR code"))
        case .notAskedYet:
            Spacer()
        case .refused:
            VStack(spacing: 12) {
                Spacer()
                Text("Countersign needs the camera to scan QR codes.")
                    .multilineTextAlignment(.center)
                Button("Open Settings to allow the camera", action: openSettings)
                Spacer()
            }
            .padding()
        case .missing:
            VStack {
                Spacer()
                Text("This device has no camera. Choose a picture of the QR code instead.")
                    .multilineTextAlignment(.center)
                    .padding()
                Spacer()
            }
        }
    }

    private func askForCameraOnce() {
        guard camera == .notAskedYet else { return }
        CameraAccess.ask { answer in camera = answer }
    }

    private func openSettings() {
        if let url = URL(string: UIApplication.openSettingsURLString) {
            UIApplication.shared.open(url)
        }
    }

    private func found(_ item: ScanItem) {
        pictureScan?.cancel()
        pictureStatus = nil
        UINotificationFeedbackGenerator().notificationOccurred(.success)
        let model = EnrollModel(item: item, service: service, deviceName: UIDevice.current.name,
                                pushToken: push.token)
        enroll = model
        KeepRunning.inBackground("Add a scanned code") { await model.start() }
    }

    /// The camera session's diagnostics event (the core keeps it only while
    /// sharing is on). A picture's scan is not reported: it has no frames.
    private func scanEnded(_ outcome: ScanEnd, _ tally: ScanTally) {
        let service = self.service
        KeepRunning.inBackground("Note the scan") {
            await service.noteScan(outcome, frames: tally.frames, millis: tally.millis)
        }
    }

    private func scanAgain() {
        enroll = nil
        session += 1
    }

    private func showImport(_ file: Data) {
        guard importing == nil else { return }
        let model = ImportModel(service: service)
        importing = model
        Task { @MainActor in await model.load(file: file) }
    }

    private func scanPicture(_ image: UIImage) {
        pictureScan?.cancel()
        let cancellation = ScanCancellation()
        pictureScan = cancellation
        pictureStatus = "Looking for a QR code…"
        Task { @MainActor in
            switch await PictureScanner.scan(image, cancellation: cancellation) {
            case let .success(item?):
                found(item)
            case .success(nil):
                pictureStatus = "No QR code was found in this picture."
            case .failure(.cancelled):
                break // another picture was chosen, or the screen closed
            case let .failure(error):
                pictureStatus = ErrorText(error).full
            }
        }
    }
}

/// Corners that show where to hold the code.
private struct Viewfinder: View {
    var body: some View {
        GeometryReader { geometry in
            RoundedRectangle(cornerRadius: 16)
                .stroke(Color.white.opacity(0.8), lineWidth: 3)
                .frame(width: min(geometry.size.width, geometry.size.height) * 0.65,
                       height: min(geometry.size.width, geometry.size.height) * 0.65)
                .frame(maxWidth: .infinity, maxHeight: .infinity)
        }
        .allowsHitTesting(false)
    }
}
