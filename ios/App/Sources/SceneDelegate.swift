import SwiftUI
import UIKit

/// The one window: the SwiftUI screens in a hosting controller, hidden behind
/// the privacy overlay whenever the scene is not active.
final class SceneDelegate: UIResponder, UIWindowSceneDelegate {
    var window: UIWindow?
    private let privacyOverlay = PrivacyOverlay()

    func scene(_ scene: UIScene, willConnectTo session: UISceneSession,
               options connectionOptions: UIScene.ConnectionOptions) {
        guard let windowScene = scene as? UIWindowScene else {
            return
        }
        let window = UIWindow(windowScene: windowScene)
        window.rootViewController = UIHostingController(rootView: RootView())
        self.window = window
        window.makeKeyAndVisible()
    }

    func sceneWillEnterForeground(_ scene: UIScene) {
        AppEnvironment.shared.enteringForeground()
    }

    func sceneDidBecomeActive(_ scene: UIScene) {
        privacyOverlay.hide()
    }

    // Before the app switcher takes its snapshot. Also while Face ID's sheet
    // or Control Center is up: a moment of blur, never a code left showing.
    func sceneWillResignActive(_ scene: UIScene) {
        privacyOverlay.show(over: window)
    }

    func sceneDidEnterBackground(_ scene: UIScene) {
        AppEnvironment.shared.enteredBackground()
    }
}
