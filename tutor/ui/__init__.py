"""The Textual app: screens, widgets and one stylesheet. Only this package imports textual."""
