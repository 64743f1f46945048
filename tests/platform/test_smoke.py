import platform


def test_standard_library_platform_module_is_not_shadowed_inside_django():
    # given: Django is configured with the project package living in platform/allot
    from django.conf import settings

    assert settings.configured
    # when
    system = platform.system()
    # then
    assert system == "Linux"
    assert "site-packages" not in platform.__file__ and platform.__file__.endswith("/platform.py")
