import UIKit

/// Covers the window while the app is not active, so the app switcher's
/// snapshot (and anyone glancing at it) sees no codes and no requests.
final class PrivacyOverlay {
    private var cover: UIView?

    func show(over window: UIWindow?) {
        guard cover == nil, let window = window else {
            return
        }
        let blur = UIVisualEffectView(effect: UIBlurEffect(style: .systemMaterial))
        blur.frame = window.bounds
        blur.autoresizingMask = [.flexibleWidth, .flexibleHeight]

        let logo = UIImageView(image: UIImage(systemName: "lock.shield.fill"))
        logo.tintColor = .secondaryLabel
        logo.preferredSymbolConfiguration = UIImage.SymbolConfiguration(pointSize: 56, weight: .regular)
        logo.translatesAutoresizingMaskIntoConstraints = false
        let name = UILabel()
        name.text = "Countersign"
        name.font = .preferredFont(forTextStyle: .title2)
        name.textColor = .secondaryLabel
        name.translatesAutoresizingMaskIntoConstraints = false

        let content = blur.contentView
        content.addSubview(logo)
        content.addSubview(name)
        NSLayoutConstraint.activate([
            logo.centerXAnchor.constraint(equalTo: content.centerXAnchor),
            logo.centerYAnchor.constraint(equalTo: content.centerYAnchor, constant: -20),
            name.centerXAnchor.constraint(equalTo: content.centerXAnchor),
            name.topAnchor.constraint(equalTo: logo.bottomAnchor, constant: 12),
        ])
        window.addSubview(blur)
        cover = blur
    }

    func hide() {
        cover?.removeFromSuperview()
        cover = nil
    }
}
