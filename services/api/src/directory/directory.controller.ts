import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentCaller } from '../auth/auth.guard';
import type { Caller } from '../auth/caller';
import { DirectoryService } from './directory.service';
import {
  AgencyRoleDto,
  DemoProtocolDto,
  CreateAgencyDto,
  CreatePersonDto,
  LineManagerDto,
  PartnershipRoleDto,
  UpdatePersonDto,
} from './dto/directory.dto';

@ApiTags('directory')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller()
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Get('partnerships/:partnershipId')
  @ApiOperation({
    summary:
      'The partnership and who holds its roles (independent chair, business manager, sub-group chairs)',
  })
  partnership(@CurrentCaller() c: Caller, @Param('partnershipId') id: string) {
    return this.directory.partnership(c, id);
  }

  @Put('partnerships/:partnershipId/demo-protocol')
  @ApiOperation({
    summary:
      'Allow or stop raising cases under the two-minute demonstration protocol (partnership administrator)',
  })
  setDemoProtocol(
    @CurrentCaller() c: Caller,
    @Param('partnershipId') id: string,
    @Body() dto: DemoProtocolDto,
  ) {
    return this.directory.setDemoProtocol(c, id, dto.enabled);
  }

  @Get('partnerships/:partnershipId/agencies')
  agencies(@CurrentCaller() c: Caller, @Param('partnershipId') id: string) {
    return this.directory.agencies(c, id);
  }

  @Post('partnerships/:partnershipId/agencies')
  @ApiOperation({ summary: 'Add an agency (partnership administrator)' })
  createAgency(@CurrentCaller() c: Caller, @Param('partnershipId') id: string, @Body() dto: CreateAgencyDto) {
    return this.directory.createAgency(c, id, dto);
  }

  @Get('agencies/:agencyId')
  @ApiOperation({
    summary:
      'An agency, its people by role, and its senior liaison officers, heads of service and board members',
  })
  agency(@CurrentCaller() c: Caller, @Param('agencyId') id: string) {
    return this.directory.agency(c, id);
  }

  @Get('partnerships/:partnershipId/people')
  @ApiOperation({
    summary: 'People and their roles; contact details for the administrator and board roles only',
  })
  people(@CurrentCaller() c: Caller, @Param('partnershipId') id: string) {
    return this.directory.people(c, id);
  }

  @Post('partnerships/:partnershipId/people')
  @ApiOperation({ summary: 'Add a person (partnership administrator)' })
  createPerson(@CurrentCaller() c: Caller, @Param('partnershipId') id: string, @Body() dto: CreatePersonDto) {
    return this.directory.createPerson(c, id, dto);
  }

  @Patch('people/:personId')
  @ApiOperation({ summary: 'Change contact details and channel preferences (partnership administrator)' })
  updatePerson(@CurrentCaller() c: Caller, @Param('personId') id: string, @Body() dto: UpdatePersonDto) {
    return this.directory.updatePerson(c, id, dto);
  }

  @Put('people/:personId/line-manager')
  @ApiOperation({
    summary:
      'Record who line-manages a person, for the steps where "their line manager" acts (partnership administrator)',
  })
  setLineManager(@CurrentCaller() c: Caller, @Param('personId') id: string, @Body() dto: LineManagerDto) {
    return this.directory.setLineManager(c, id, dto.lineManagerId);
  }

  @Post('people/:personId/agency-roles')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Ask for an agency role for a person; it is given when a second partnership administrator approves (202)',
  })
  addAgencyRole(@CurrentCaller() c: Caller, @Param('personId') id: string, @Body() dto: AgencyRoleDto) {
    return this.directory.addAgencyRole(c, id, dto);
  }

  @Post('people/:personId/partnership-roles')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Ask for a partnership role for a person; it is given when a second partnership administrator approves (202)',
  })
  addPartnershipRole(
    @CurrentCaller() c: Caller,
    @Param('personId') id: string,
    @Body() dto: PartnershipRoleDto,
  ) {
    return this.directory.addPartnershipRole(c, id, dto);
  }

  @Get('partnerships/:partnershipId/role-requests')
  @ApiOperation({ summary: 'Role requests waiting for a second administrator (partnership administrators)' })
  roleRequests(@CurrentCaller() c: Caller, @Param('partnershipId') id: string) {
    return this.directory.roleRequests(c, id);
  }

  @Post('role-requests/:requestId/approve')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Approve a role request: the role is given (another partnership administrator than the one who asked)',
  })
  approveRoleRequest(@CurrentCaller() c: Caller, @Param('requestId') id: string) {
    return this.directory.approveRoleRequest(c, id);
  }

  @Post('role-requests/:requestId/decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline a role request (any partnership administrator)' })
  declineRoleRequest(@CurrentCaller() c: Caller, @Param('requestId') id: string) {
    return this.directory.declineRoleRequest(c, id);
  }

  @Delete('people/:personId/roles/:roleId')
  removeRole(@CurrentCaller() c: Caller, @Param('personId') id: string, @Param('roleId') roleId: string) {
    return this.directory.removeRole(c, id, roleId);
  }
}
