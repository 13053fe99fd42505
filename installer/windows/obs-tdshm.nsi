; SPDX-License-Identifier: GPL-2.0-or-later
; The Windows installer for obs-tdshm (NSIS 3, built on Linux with Debian's
; makensis by installer/windows/build-windows.sh, which passes:
;   -DVERSION=x.y.z  -DSTAGE=<dir with obs-tdshm.dll, tdshm.exe, data\>
;   -DFILES_NSH=<generated File lines>  -DUNFILES_NSH=<generated Delete lines>
;   -DOUTFILE=<setup.exe>
;
; Where it installs (OBS 28+ layout):
;   OBS installed normally: %ProgramData%\obs-studio\plugins\obs-tdshm\bin\64bit\obs-tdshm.dll
;                           %ProgramData%\obs-studio\plugins\obs-tdshm\data\...
;   portable OBS in DIR:    DIR\obs-plugins\64bit\obs-tdshm.dll, DIR\data\obs-plugins\obs-tdshm\...
; tdshm.exe goes beside the plugin DLL. The uninstaller removes exactly the
; files the installer wrote, then the directories it left empty.
;
; Silent use: setup.exe /S                    (normal OBS)
;             setup.exe /S /PORTABLE=C:\OBS   (portable OBS folder)
;             uninstall.exe /S

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel admin

!include "MUI2.nsh"
!include "nsDialogs.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

Name "obs-tdshm ${VERSION}"
OutFile "${OUTFILE}"
BrandingText "obs-tdshm ${VERSION}"

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\obs-tdshm"

Var Portable       ; 1 when installing into a portable OBS folder
Var PortableDir    ; that folder
Var ModuleDir      ; where obs-tdshm.dll goes
Var DataDir        ; where the data files go
Var PluginRoot     ; where the uninstaller goes
Var RadioNormal
Var RadioPortable
Var DirField
Var BrowseButton
Var CreatedCount   ; directories this install created (recorded for the uninstaller)

!define MUI_ABORTWARNING
!insertmacro MUI_PAGE_WELCOME
Page custom TargetPageShow TargetPageLeave
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; ---- choosing the OBS the plugin is for ------------------------------------

Function .onInit
	SetShellVarContext all
	StrCpy $Portable 0
	StrCpy $PortableDir ""
	${GetParameters} $0
	ClearErrors
	${GetOptions} $0 "/PORTABLE=" $1
	${IfNot} ${Errors}
		StrCpy $Portable 1
		StrCpy $PortableDir $1
	${EndIf}
FunctionEnd

Function TargetPageShow
	!insertmacro MUI_HEADER_TEXT "Which OBS Studio?" "Choose where OBS Studio will find the plugin."
	nsDialogs::Create 1018
	Pop $0
	${NSD_CreateRadioButton} 0 0 100% 12u "OBS Studio installed normally (plugin goes into ProgramData, for every user)"
	Pop $RadioNormal
	${NSD_CreateRadioButton} 0 18u 100% 12u "Portable OBS Studio in this folder (the one holding bin, data and obs-plugins):"
	Pop $RadioPortable
	${NSD_CreateDirRequest} 12u 34u 220u 12u "$PortableDir"
	Pop $DirField
	${NSD_CreateBrowseButton} 236u 33u 50u 14u "Browse..."
	Pop $BrowseButton
	${NSD_OnClick} $BrowseButton TargetPageBrowse
	${If} $Portable == 1
		${NSD_Check} $RadioPortable
	${Else}
		${NSD_Check} $RadioNormal
	${EndIf}
	nsDialogs::Show
FunctionEnd

Function TargetPageBrowse
	${NSD_GetText} $DirField $0
	nsDialogs::SelectFolderDialog "Portable OBS Studio folder" $0
	Pop $0
	${If} $0 != error
		${NSD_SetText} $DirField $0
		${NSD_Check} $RadioPortable
		${NSD_Uncheck} $RadioNormal
	${EndIf}
FunctionEnd

Function TargetPageLeave
	${NSD_GetState} $RadioPortable $0
	${If} $0 == ${BST_CHECKED}
		${NSD_GetText} $DirField $PortableDir
		${IfNot} ${FileExists} "$PortableDir\bin\64bit\*.*"
			MessageBox MB_ICONEXCLAMATION|MB_OK "$PortableDir does not look like a portable OBS Studio folder: it has no bin\64bit. Pick the folder that holds bin, data and obs-plugins."
			Abort
		${EndIf}
		StrCpy $Portable 1
	${Else}
		StrCpy $Portable 0
	${EndIf}
FunctionEnd

Function ChooseLayout
	${If} $Portable == 1
		StrCpy $ModuleDir "$PortableDir\obs-plugins\64bit"
		StrCpy $DataDir "$PortableDir\data\obs-plugins\obs-tdshm"
		StrCpy $PluginRoot "$PortableDir\data\obs-plugins\obs-tdshm"
	${Else}
		StrCpy $PluginRoot "$APPDATA\obs-studio\plugins\obs-tdshm"
		StrCpy $ModuleDir "$PluginRoot\bin\64bit"
		StrCpy $DataDir "$PluginRoot\data"
	${EndIf}
FunctionEnd

; ---- install ----------------------------------------------------------------

; Notes a directory the install is about to create, so that the uninstaller
; removes it again (and only it: folders that were there before stay).
!macro RecordNewDir DIR
	${IfNot} ${FileExists} "${DIR}\*.*"
		WriteINIStr "$PLUGINSDIR\created.ini" "created" "dir$CreatedCount" "${DIR}"
		IntOp $CreatedCount $CreatedCount + 1
	${EndIf}
!macroend

Section "obs-tdshm" SecMain
	SectionIn RO
	Call ChooseLayout
	; Silent installs skip the page's check, so it is repeated here.
	${If} $Portable == 1
	${AndIfNot} ${FileExists} "$PortableDir\bin\64bit\*.*"
		SetErrorLevel 2
		Abort "$PortableDir is not a portable OBS Studio folder (it has no bin\64bit)."
	${EndIf}

	StrCpy $CreatedCount 0
	InitPluginsDir
	; Installing over an earlier install keeps its record of what it created.
	${If} ${FileExists} "$PluginRoot\obs-tdshm-install.ini"
		ReadINIStr $0 "$PluginRoot\obs-tdshm-install.ini" "install" "CreatedCount"
		${If} $0 == ""
			StrCpy $0 0
		${EndIf}
		${While} $CreatedCount < $0
			ReadINIStr $1 "$PluginRoot\obs-tdshm-install.ini" "created" "dir$CreatedCount"
			WriteINIStr "$PLUGINSDIR\created.ini" "created" "dir$CreatedCount" "$1"
			IntOp $CreatedCount $CreatedCount + 1
		${EndWhile}
	${EndIf}
	${If} $Portable == 1
		!insertmacro RecordNewDir "$PortableDir\obs-plugins"
		!insertmacro RecordNewDir "$ModuleDir"
		!insertmacro RecordNewDir "$PortableDir\data"
		!insertmacro RecordNewDir "$PortableDir\data\obs-plugins"
		!insertmacro RecordNewDir "$DataDir"
	${Else}
		!insertmacro RecordNewDir "$APPDATA\obs-studio"
		!insertmacro RecordNewDir "$APPDATA\obs-studio\plugins"
		!insertmacro RecordNewDir "$PluginRoot"
		!insertmacro RecordNewDir "$PluginRoot\bin"
		!insertmacro RecordNewDir "$ModuleDir"
		!insertmacro RecordNewDir "$DataDir"
	${EndIf}

	SetOutPath "$ModuleDir"
	File "${STAGE}\obs-tdshm.dll"
	File "${STAGE}\tdshm.exe"
	; One File line per data file (generated from the build's install rules).
	!include "${FILES_NSH}"

	; The uninstaller learns the layout from this file beside it.
	CreateDirectory "$PluginRoot"
	WriteINIStr "$PluginRoot\obs-tdshm-install.ini" "install" "ModuleDir" "$ModuleDir"
	WriteINIStr "$PluginRoot\obs-tdshm-install.ini" "install" "DataDir" "$DataDir"
	WriteINIStr "$PluginRoot\obs-tdshm-install.ini" "install" "Portable" "$Portable"
	WriteINIStr "$PluginRoot\obs-tdshm-install.ini" "install" "CreatedCount" "$CreatedCount"
	StrCpy $0 0
	${While} $0 < $CreatedCount
		ReadINIStr $1 "$PLUGINSDIR\created.ini" "created" "dir$0"
		WriteINIStr "$PluginRoot\obs-tdshm-install.ini" "created" "dir$0" "$1"
		IntOp $0 $0 + 1
	${EndWhile}
	WriteUninstaller "$PluginRoot\uninstall-obs-tdshm.exe"

	${If} $Portable == 0
		WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "obs-tdshm (TouchDesigner shared memory for OBS Studio)"
		WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
		WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "obs-tdshm contributors"
		WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$PluginRoot"
		WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$PluginRoot\uninstall-obs-tdshm.exe"'
		WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$PluginRoot\uninstall-obs-tdshm.exe" /S'
		WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
		WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
	${EndIf}
SectionEnd

; ---- uninstall --------------------------------------------------------------

Function un.onInit
	SetShellVarContext all
FunctionEnd

Section "Uninstall"
	; $INSTDIR is the folder the uninstaller runs from ($PluginRoot).
	ReadINIStr $ModuleDir "$INSTDIR\obs-tdshm-install.ini" "install" "ModuleDir"
	ReadINIStr $DataDir "$INSTDIR\obs-tdshm-install.ini" "install" "DataDir"
	ReadINIStr $Portable "$INSTDIR\obs-tdshm-install.ini" "install" "Portable"
	ReadINIStr $CreatedCount "$INSTDIR\obs-tdshm-install.ini" "install" "CreatedCount"
	${If} $ModuleDir == ""
		Abort "obs-tdshm-install.ini is missing beside the uninstaller; remove the plugin folder by hand."
	${EndIf}

	Delete "$ModuleDir\obs-tdshm.dll"
	Delete "$ModuleDir\tdshm.exe"
	; One Delete line per data file, then RMDir (non-recursive) per data
	; directory, deepest first: folders holding anything else stay.
	!include "${UNFILES_NSH}"
	; The ini lives in a folder that may be removed below: read it from a copy.
	InitPluginsDir
	CopyFiles /SILENT "$INSTDIR\obs-tdshm-install.ini" "$PLUGINSDIR\install.ini"
	Delete "$INSTDIR\obs-tdshm-install.ini"
	Delete "$INSTDIR\uninstall-obs-tdshm.exe"
	; The directories the install created, deepest first; RMDir without /r
	; leaves any that now hold something else.
	StrCpy $0 $CreatedCount
	${While} $0 > 0
		IntOp $0 $0 - 1
		ReadINIStr $1 "$PLUGINSDIR\install.ini" "created" "dir$0"
		RMDir "$1"
	${EndWhile}
	${If} $Portable == 0
		DeleteRegKey HKLM "${UNINSTALL_KEY}"
	${EndIf}
SectionEnd
