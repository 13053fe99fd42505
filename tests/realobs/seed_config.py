# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes a first-run-free OBS 29 configuration into a scratch HOME:
global.ini (no wizard, obs-websocket 5.1 on a given port without a
password: 5.1 keeps its settings in global.ini's [OBSWebSocket] section), a
small 640x360 30 fps profile, and a scene collection "tdshm" whose scene
holds the plugin's video source (id tdshm_top_source) reading IN_NAME, with
the scene filter (tdshm_top_filter) sending OUT_NAME.

usage: seed_config.py HOME PORT IN_NAME OUT_NAME PROG_NAME

Tools > TouchDesigner Output is seeded as a user leaves it: running
(enabled) under PROG_NAME, in the module's own config file."""
import json
import os
import sys

home, port, in_name, out_name, prog_name = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                            sys.argv[4], sys.argv[5])
cfg = os.path.join(home, ".config", "obs-studio")
os.makedirs(os.path.join(cfg, "basic", "profiles", "tdshm"), exist_ok=True)
os.makedirs(os.path.join(cfg, "basic", "scenes"), exist_ok=True)

with open(os.path.join(cfg, "global.ini"), "w") as f:
    f.write("""[General]
FirstRun=true
LastVersion=486539266
EnableAutoUpdates=false
WarnBeforeStartingStream=false
[BasicWindow]
ShowTransitions=false
[Basic]
Profile=tdshm
ProfileDir=tdshm
SceneCollection=tdshm
SceneCollectionFile=tdshm
[OBSWebSocket]
FirstLoad=false
ServerEnabled=true
ServerPort=%d
AlertsEnabled=false
AuthRequired=false
ServerPassword=
""" % port)

with open(os.path.join(cfg, "basic", "profiles", "tdshm", "basic.ini"), "w") as f:
    f.write("""[General]
Name=tdshm
[Video]
BaseCX=640
BaseCY=360
OutputCX=640
OutputCY=360
FPSType=0
FPSCommon=30
[Audio]
SampleRate=48000
ChannelSetup=Stereo
""")

scene = {
    "id": "scene", "versioned_id": "scene", "name": "Scene",
    "settings": {"id_counter": 1, "custom_size": False, "items": [{
        "name": "TD In", "source_uuid": "", "visible": True, "locked": False,
        "rot": 0.0, "pos": {"x": 0.0, "y": 0.0}, "scale": {"x": 1.0, "y": 1.0},
        "align": 5, "bounds_type": 0, "bounds_align": 0, "bounds": {"x": 0.0, "y": 0.0},
        "crop_left": 0, "crop_top": 0, "crop_right": 0, "crop_bottom": 0, "id": 1,
        "group_item_backup": False, "scale_filter": "disable", "blend_method": "default",
        "blend_type": "normal"}]},
    "filters": [{"id": "tdshm_top_filter", "versioned_id": "tdshm_top_filter",
                 "name": "TD Out", "enabled": True, "settings": {"name": out_name}}],
}
source = {"id": "tdshm_top_source", "versioned_id": "tdshm_top_source", "name": "TD In",
          "enabled": True, "settings": {"name": in_name}}
collection = {
    "name": "tdshm", "current_scene": "Scene", "current_program_scene": "Scene",
    "scene_order": [{"name": "Scene"}], "sources": [scene, source], "groups": [],
    "transitions": [], "current_transition": "Fade", "transition_duration": 300,
    "preview_locked": False, "scaling_enabled": False, "modules": {},
    "quick_transitions": [], "saved_projectors": [], "DesktopAudioDevice1": None,
}
with open(os.path.join(cfg, "basic", "scenes", "tdshm.json"), "w") as f:
    json.dump(collection, f, indent=1)

plugin_config = os.path.join(cfg, "plugin_config", "obs-tdshm")
os.makedirs(plugin_config, exist_ok=True)
with open(os.path.join(plugin_config, "program-output.json"), "w") as f:
    # The program audio too (issue 13): OBS's mix of track 1 as a CHOP segment.
    json.dump({"enabled": True, "name": prog_name, "audio_enabled": True,
               "audio_name": prog_name + "_audio"}, f)
