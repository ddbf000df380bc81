// "Choose a picture": the photo library picker (PHPicker is iOS 14). It runs
// out of process, so no photo library permission is asked.
import SwiftUI
import UIKit

struct ImagePicker: UIViewControllerRepresentable {
    let onPicked: (UIImage) -> Void
    @Environment(\.presentationMode) private var presentationMode

    // Spelled out: a private wrapped property can make the synthesized initialiser private.
    init(onPicked: @escaping (UIImage) -> Void) {
        self.onPicked = onPicked
    }

    func makeCoordinator() -> Coordinator {
        Coordinator(self)
    }

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .photoLibrary
        picker.mediaTypes = ["public.image"]
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ picker: UIImagePickerController, context: Context) {}

    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        private let parent: ImagePicker

        init(_ parent: ImagePicker) {
            self.parent = parent
        }

        func imagePickerController(_ picker: UIImagePickerController,
                                   didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            if let image = info[.originalImage] as? UIImage {
                parent.onPicked(image)
            }
            parent.presentationMode.wrappedValue.dismiss()
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
            parent.presentationMode.wrappedValue.dismiss()
        }
    }
}
