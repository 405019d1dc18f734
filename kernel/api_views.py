"""Reusable API pieces: the transitions action every state-machine resource shares (`TransitionsMixin`),
what its serializers show of it (`WithTransitions`), and the schema helpers of every app's `api/` package.

    class ThingViewSet(TransitionsMixin, viewsets.ModelViewSet):
        transition_serializer_class = ThingTransitionSerializer  # optional: extra kwargs of its transitions

gives `POST /api/things/<pk>/transitions/<name>/` with `{"comment": "...", ...}`. The object comes
from `get_object()` (so from the viewset's `visible_to(user)` queryset: invisible → 404); the change
goes through `kernel.transitions.run_transition` (the only way a status changes); the answer is
200 with the serialized object. 400/403/409 come from `kernel.api.exception_handler`.

Fields of the request other than `comment` are passed to the transition method as keyword
arguments when the method declares them; a field the method does not take is refused with 400.
"""

import inspect

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from .choice_labels import choice_labels
from .transitions import available_transitions, run_transition, transition_names


class ErrorSerializer(serializers.Serializer):
    """The error body of `kernel.api.exception_handler`."""

    detail = serializers.CharField()
    article = serializers.CharField(
        required=False, help_text=gettext_lazy('The article of the Measures the refusal rests on, as a code ("Art. 12 (1)").')
    )
    citation = serializers.CharField(
        required=False, help_text=gettext_lazy("The same article as a reader reads it, in the request's language.")
    )
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text=gettext_lazy(
            "Messages per field: a list of messages, or for a nested field or a list of rows, the same by name or row."
        ),
    )


class AvailableTransitionSerializer(serializers.Serializer):
    """One action the requesting user may take now (`kernel.transitions.available_transitions`)."""

    name = serializers.CharField()
    label = serializers.CharField()
    article = serializers.CharField()
    comment_required = serializers.BooleanField()


class WithTransitions(serializers.Serializer):
    # `available_transitions`: the actions the requesting user may take now on the object. (No docstring:
    # drf-spectacular would give it as the description of every serializer built on this one.)
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj):
        request = self.context.get("request")
        if request is None:
            return []
        return AvailableTransitionSerializer(available_transitions(obj, request.user), many=True).data


def declared_transition_names(model, field="status"):
    """The names of every transition `model` declares on `field`, sorted (the `transition` path's enum)."""
    return sorted({t.name for t in model._meta.get_field(field).get_all_transitions(model)})


class TransitionRequestSerializer(serializers.Serializer):
    """The body of a transition; subclass it to add the keyword arguments of a resource's transitions."""

    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


_CHOICE_FIELD_CLASSES = {}


def named_choice_field(component_name, choices, **kwargs):
    """A ChoiceField documented by its own named enum component: `level` and `status` mean
    different choice sets on different resources, and drf-spectacular's automatic `LevelEnum` /
    `StatusEnum` naming would collide (a --fail-on-warn warning)."""
    field_class = _CHOICE_FIELD_CLASSES.get(component_name)
    if field_class is None:
        values = [value for value, _label in choices]
        schema = {"type": "integer" if all(isinstance(v, int) for v in values) else "string", "enum": values}
        field_class = extend_schema_field(schema, component_name=component_name)(
            type(f"{component_name}Field", (serializers.ChoiceField,), {})
        )
        _CHOICE_FIELD_CLASSES[component_name] = field_class
    return field_class(choices=choices, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class ChoiceLabelField(serializers.CharField):
    """The label of a model field's choice in the request's language (`status_display = ChoiceLabelField(source=
    "status")`; `model=` names the model of a source across a relation, or of a serializer without one), read from
    `choice_labels`; a value outside the choices is given as it is, as `get_FOO_display` does."""

    def __init__(self, model=None, **kwargs):
        super().__init__(read_only=True, **kwargs)
        self.model = model  # the model whose field the source ends on, if not the serializer's own

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.model_field = (self.model or parent.Meta.model)._meta.get_field(self.source_attrs[-1])

    def to_representation(self, value):
        return choice_labels(self.model_field, translation.get_language()).get(value, value)


ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Invalid data or a rule of the Measures refused it.")),
    403: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Not allowed for this user.")),
    404: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Not found or not visible to this user.")),
    409: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Not possible in the current state.")),
}


def transition_schema(response_serializer, request_serializer=TransitionRequestSerializer, names=None):
    """`extend_schema` for a resource's `transition` action (use with `extend_schema_view`)."""
    return extend_schema(
        summary=gettext_lazy("Run a transition"),
        description=gettext_lazy(
            "Change the status by taking one of the actions listed in `available_transitions`. "
            "400: invalid data or a rule refused it (`article` names the rule); 403: not allowed for you; "
            "409: not possible in the current state."
        ),
        request=request_serializer,
        parameters=[
            OpenApiParameter(
                "transition",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description=gettext_lazy("The transition's name."),
                enum=names,
            )
        ],
        responses={200: response_serializer, **ERROR_RESPONSES},
    )


def _unused_value(value):
    return value in (None, "", False, {}, [])


class TransitionsMixin:
    """Adds `POST <detail>/transitions/<transition>/` to a viewset."""

    transition_serializer_class = TransitionRequestSerializer

    def get_transition_serializer(self, *args, **kwargs):
        kwargs.setdefault("context", self.get_serializer_context())
        return self.transition_serializer_class(*args, **kwargs)

    def get_transition_kwargs(self, obj, name, data):
        """Keyword arguments for the transition method: the request fields it declares."""
        parameters = inspect.signature(getattr(obj, name)).parameters
        accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        kwargs, refused = {}, {}
        for key, value in data.items():
            if key == "comment":
                continue
            if accepts_any or key in parameters:
                kwargs[key] = value
            elif not _unused_value(value):
                refused[key] = [_("This action does not take this field.")]
        if refused:
            raise ValidationError(refused)
        return kwargs

    def transition_response(self, obj):
        """The object after the transition, as the detail endpoint shows it (re-read with its prefetches)."""
        fresh = self.get_queryset().filter(pk=obj.pk).first() or obj
        serializer_class = self.get_transition_response_serializer_class()
        return Response(serializer_class(fresh, context=self.get_serializer_context()).data)

    def get_transition_response_serializer_class(self):
        return self.get_serializer_class()

    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<transition>[a-z][a-z0-9_]*)", url_name="transition")
    def transition(self, request, pk=None, transition=None):
        obj = self.get_object()
        if transition not in transition_names(obj):
            raise NotFound(_("Unknown action."))
        serializer = self.get_transition_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        kwargs = self.get_transition_kwargs(obj, transition, data)
        obj = run_transition(obj, transition, request.user, comment=data.get("comment", ""), **kwargs)
        return self.transition_response(obj)


def is_schema_view(view):
    """drf-spectacular builds the schema with a fake view: no user, no URL kwargs, nothing to query."""
    return getattr(view, "swagger_fake_view", False)
