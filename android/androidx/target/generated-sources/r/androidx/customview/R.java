package androidx.customview;

public final class R {
  public static final class attr {
    public static int alpha = 0x7f010002;
    public static int font = 0x7f010003;
    public static int fontProviderAuthority = 0x7f010004;
    public static int fontProviderCerts = 0x7f010005;
    public static int fontProviderFetchStrategy = 0x7f010007;
    public static int fontProviderFetchTimeout = 0x7f010008;
    public static int fontProviderPackage = 0x7f010009;
    public static int fontProviderQuery = 0x7f01000a;
    public static int fontStyle = 0x7f01000c;
    public static int fontVariationSettings = 0x7f01000d;
    public static int fontWeight = 0x7f01000e;
    public static int ttcIndex = 0x7f010013;
  }
  public static final class color {
    public static int notification_action_color_filter = 0x7f010018;
    public static int notification_icon_bg_color = 0x7f010019;
    public static int ripple_material_light = 0x7f0100a9;
    public static int secondary_text_default_material_light = 0x7f0100aa;
  }
  public static final class dimen {
    public static int compat_button_inset_horizontal_material = 0x7f01001a;
    public static int compat_button_inset_vertical_material = 0x7f01001b;
    public static int compat_button_padding_horizontal_material = 0x7f01001c;
    public static int compat_button_padding_vertical_material = 0x7f01001d;
    public static int compat_control_corner_material = 0x7f01001e;
    public static int compat_notification_large_icon_max_height = 0x7f01001f;
    public static int compat_notification_large_icon_max_width = 0x7f010020;
    public static int notification_action_icon_size = 0x7f010021;
    public static int notification_action_text_size = 0x7f010022;
    public static int notification_big_circle_margin = 0x7f010023;
    public static int notification_content_margin_start = 0x7f010024;
    public static int notification_large_icon_height = 0x7f010025;
    public static int notification_large_icon_width = 0x7f010026;
    public static int notification_main_column_padding_top = 0x7f010027;
    public static int notification_media_narrow_margin = 0x7f010028;
    public static int notification_right_icon_size = 0x7f010029;
    public static int notification_right_side_padding_top = 0x7f01002a;
    public static int notification_small_icon_background_padding = 0x7f01002b;
    public static int notification_small_icon_size_as_large = 0x7f01002c;
    public static int notification_subtext_size = 0x7f01002d;
    public static int notification_top_pad = 0x7f01002e;
    public static int notification_top_pad_large_text = 0x7f01002f;
  }
  public static final class drawable {
    public static int notification_action_background = 0x7f010036;
    public static int notification_bg = 0x7f010037;
    public static int notification_bg_low = 0x7f010038;
    public static int notification_bg_low_normal = 0x7f010039;
    public static int notification_bg_low_pressed = 0x7f01003a;
    public static int notification_bg_normal = 0x7f01003b;
    public static int notification_bg_normal_pressed = 0x7f01003c;
    public static int notification_icon_background = 0x7f01003d;
    public static int notification_template_icon_bg = 0x7f01003f;
    public static int notification_template_icon_low_bg = 0x7f010040;
    public static int notification_tile_bg = 0x7f010041;
    public static int notify_panel_notification_icon_bg = 0x7f010042;
  }
  public static final class id {
    public static int action_container = 0x7f010064;
    public static int action_divider = 0x7f010065;
    public static int action_image = 0x7f010066;
    public static int action_text = 0x7f010067;
    public static int actions = 0x7f010068;
    public static int async = 0x7f010069;
    public static int blocking = 0x7f01006a;
    public static int chronometer = 0x7f01006b;
    public static int forever = 0x7f01006e;
    public static int icon = 0x7f010070;
    public static int icon_group = 0x7f010071;
    public static int info = 0x7f010072;
    public static int italic = 0x7f010073;
    public static int line1 = 0x7f010074;
    public static int line3 = 0x7f010075;
    public static int normal = 0x7f010076;
    public static int notification_background = 0x7f010077;
    public static int notification_main_column = 0x7f010078;
    public static int notification_main_column_container = 0x7f010079;
    public static int right_icon = 0x7f01007a;
    public static int right_side = 0x7f01007b;
    public static int tag_transition_group = 0x7f010087;
    public static int tag_unhandled_key_event_manager = 0x7f010088;
    public static int tag_unhandled_key_listeners = 0x7f010089;
    public static int text = 0x7f01008b;
    public static int text2 = 0x7f01008c;
    public static int time = 0x7f01008d;
    public static int title = 0x7f01008e;
  }
  public static final class integer {
    public static int status_bar_notification_info_maxnum = 0x7f01008f;
  }
  public static final class layout {
    public static int notification_action = 0x7f010093;
    public static int notification_action_tombstone = 0x7f010094;
    public static int notification_template_custom_big = 0x7f010095;
    public static int notification_template_icon_group = 0x7f010096;
    public static int notification_template_part_chronometer = 0x7f010097;
    public static int notification_template_part_time = 0x7f010098;
  }
  public static final class string {
    public static int status_bar_notification_info_overflow = 0x7f0100a0;
  }
  public static final class style {
    public static int TextAppearance_Compat_Notification = 0x7f0100a1;
    public static int TextAppearance_Compat_Notification_Info = 0x7f0100a2;
    public static int TextAppearance_Compat_Notification_Line2 = 0x7f0100a3;
    public static int TextAppearance_Compat_Notification_Time = 0x7f0100a4;
    public static int TextAppearance_Compat_Notification_Title = 0x7f0100a5;
    public static int Widget_Compat_NotificationActionContainer = 0x7f0100a6;
    public static int Widget_Compat_NotificationActionText = 0x7f0100a7;
  }
  public static final class styleable {
    public static int[] ColorStateListItem = new int[] { 0x7f010002, 0x101031f, 0x10101a5 };
    public static int ColorStateListItem_alpha = 0x0;
    public static int ColorStateListItem_android_alpha = 0x1;
    public static int ColorStateListItem_android_color = 0x2;
    public static int[] FontFamily = new int[] { 0x7f010004, 0x7f010005, 0x7f010007, 0x7f010008, 0x7f010009, 0x7f01000a };
    public static int FontFamily_fontProviderAuthority = 0x0;
    public static int FontFamily_fontProviderCerts = 0x1;
    public static int FontFamily_fontProviderFetchStrategy = 0x2;
    public static int FontFamily_fontProviderFetchTimeout = 0x3;
    public static int FontFamily_fontProviderPackage = 0x4;
    public static int FontFamily_fontProviderQuery = 0x5;
    public static int[] FontFamilyFont = new int[] { 0x1010532, 0x101053f, 0x1010570, 0x1010533, 0x101056f, 0x7f010003, 0x7f01000c, 0x7f01000d, 0x7f01000e, 0x7f010013 };
    public static int FontFamilyFont_android_font = 0x0;
    public static int FontFamilyFont_android_fontStyle = 0x1;
    public static int FontFamilyFont_android_fontVariationSettings = 0x2;
    public static int FontFamilyFont_android_fontWeight = 0x3;
    public static int FontFamilyFont_android_ttcIndex = 0x4;
    public static int FontFamilyFont_font = 0x5;
    public static int FontFamilyFont_fontStyle = 0x6;
    public static int FontFamilyFont_fontVariationSettings = 0x7;
    public static int FontFamilyFont_fontWeight = 0x8;
    public static int FontFamilyFont_ttcIndex = 0x9;
    public static int[] GradientColor = new int[] { 0x101020b, 0x10101a2, 0x10101a3, 0x101019e, 0x1010512, 0x1010513, 0x10101a4, 0x101019d, 0x1010510, 0x1010511, 0x1010201, 0x10101a1 };
    public static int GradientColor_android_centerColor = 0x0;
    public static int GradientColor_android_centerX = 0x1;
    public static int GradientColor_android_centerY = 0x2;
    public static int GradientColor_android_endColor = 0x3;
    public static int GradientColor_android_endX = 0x4;
    public static int GradientColor_android_endY = 0x5;
    public static int GradientColor_android_gradientRadius = 0x6;
    public static int GradientColor_android_startColor = 0x7;
    public static int GradientColor_android_startX = 0x8;
    public static int GradientColor_android_startY = 0x9;
    public static int GradientColor_android_tileMode = 0xa;
    public static int GradientColor_android_type = 0xb;
    public static int[] GradientColorItem = new int[] { 0x10101a5, 0x1010514 };
    public static int GradientColorItem_android_color = 0x0;
    public static int GradientColorItem_android_offset = 0x1;
  }
}
