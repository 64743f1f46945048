from django.shortcuts import render


def landing(request):
    return render(request, "public_site/landing.html")


def organisation_signup(request):
    return render(request, "public_site/signup_soon.html")


def tenant_home(request):
    return render(request, "public_site/tenant_home.html")
