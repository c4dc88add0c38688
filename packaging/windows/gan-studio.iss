; Inno Setup script: a per-user Windows installer for the one-folder bundle that
; packaging/gan-studio.spec makes in dist\gan-studio (see packaging/README.md, "Windows").
;
;   python packaging\make_icons.py --ico-icns build\icons
;   pyinstaller --noconfirm packaging\gan-studio.spec
;   for /f %v in ('python -c "import studio; print(studio.__version__)"') do iscc /DAppVersion=%v packaging\windows\gan-studio.iss
;
; The version is passed in from studio/__init__.py (its one place); the default below is only a fallback.
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6B0C4E1B-5B8E-4B7A-9C55-2E1D7A3F9A10}
AppName=GAN Studio
AppVersion={#AppVersion}
AppPublisher=GAN Studio
DefaultDirName={autopf}\GAN Studio
DefaultGroupName=GAN Studio
; Per-user install: no administrator rights needed (artists on school or studio machines often lack them).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=GAN-Studio-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\gan-studio.ico
UninstallDisplayIcon={app}\GAN Studio.exe
; torch + CUDA make a large bundle: LZMA2 in solid blocks shrinks it most.
Compression=lzma2/max
SolidCompression=yes
; A single setup .exe holds at most about 2 GB: fine for the CPU-only bundle; the CUDA one is larger,
; so build it with /DCuda, which splits the installer into setup.exe + .bin files.
#ifdef Cuda
DiskSpanning=yes
DiskSliceSize=max
#endif
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "..\..\dist\gan-studio\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\GAN Studio"; Filename: "{app}\GAN Studio.exe"
Name: "{group}\Uninstall GAN Studio"; Filename: "{uninstallexe}"
Name: "{autodesktop}\GAN Studio"; Filename: "{app}\GAN Studio.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\GAN Studio.exe"; Description: "{cm:LaunchProgram,GAN Studio}"; Flags: nowait postinstall skipifsilent
