"""BMNN — bảo vệ bí mật nhà nước."""
