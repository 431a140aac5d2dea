from django.urls import URLPattern, URLResolver, path

from torget.alerts import questionnaire_views

app_name = "questionnaire"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:token>", questionnaire_views.answer, name="answer"),
]
