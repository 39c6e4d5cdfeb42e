"""Command-line choices of the suite: a string build setting with a fixed set
of values, and one config_setting per value (named <flag>_<value>)."""

def _choice_flag_impl(ctx):
    if ctx.build_setting_value not in ctx.attr.values:
        fail("--%s=%s: choose one of %s" % (ctx.label, ctx.build_setting_value, ", ".join(ctx.attr.values)))
    return []

_choice_flag = rule(
    implementation = _choice_flag_impl,
    build_setting = config.string(flag = True),
    attrs = {"values": attr.string_list(mandatory = True)},
)

def choice_flag(name, values, default):
    """--//<package>:<name>=<value>, with config_settings <name>_<value>.

    Args:
      name: flag name.
      values: the accepted values.
      default: value when the flag is not given.
    """
    _choice_flag(
        name = name,
        build_setting_default = default,
        values = values,
        visibility = ["//visibility:public"],
    )
    for value in values:
        native.config_setting(
            name = "%s_%s" % (name, value),
            flag_values = {":" + name: value},
            visibility = ["//visibility:public"],
        )
