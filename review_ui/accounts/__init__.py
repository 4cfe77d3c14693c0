"""Who is using the review UI and what they may see: roles and granted apps (`access`),
passwords and lockout (`auth`), browser sessions and CSRF (`sessions`), the sign-in pages
(`login`) and the admin page for users and apps (`admin`)."""
